import { useRef, useState, type DragEvent } from 'react';

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');

/**
 * Drag-and-drop of files onto an element: `dragging` while files hover over it (counted over
 * enter/leave pairs, which fire for every child crossed), and `onFiles` on drop. Drags of
 * text or links are left to the browser.
 */
export function useFileDrop(onFiles: (files: File[]) => void, enabled: boolean) {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);

  const handlers = {
    onDragEnter(e: DragEvent) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current++;
      if (enabled) setDragging(true);
    },
    onDragOver(e: DragEvent) {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allow the drop; never let the webview navigate to the file
      e.dataTransfer.dropEffect = enabled ? 'copy' : 'none';
    },
    onDragLeave(e: DragEvent) {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    },
    onDrop(e: DragEvent) {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      setDragging(false);
      if (enabled) onFiles(Array.from(e.dataTransfer.files));
    },
  };
  return { dragging, handlers };
}
