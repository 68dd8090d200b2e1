import { useEffect, useRef } from 'react';

/**
 * An `<img>` showing bytes through a `blob:` URL, revoked when the bytes change or the image
 * leaves the screen (Virtuoso unmounts rows scrolled away, so a long chat of pictures does
 * not keep them all alive). The URL is set on the element directly: it exists only while
 * the effect does, which also holds under StrictMode's mount–unmount–mount.
 */
export function BlobImage({ bytes, type, alt }: { bytes: ArrayBuffer; type: string; alt: string }) {
  const img = useRef<HTMLImageElement>(null);
  useEffect(() => {
    const el = img.current;
    if (!el) return;
    const url = URL.createObjectURL(new Blob([bytes], { type }));
    el.src = url;
    return () => {
      el.removeAttribute('src');
      URL.revokeObjectURL(url);
    };
  }, [bytes, type]);
  return <img ref={img} alt={alt} />;
}
