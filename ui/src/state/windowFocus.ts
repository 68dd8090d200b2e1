import { useSyncExternalStore } from 'react';

function subscribe(listener: () => void): () => void {
  window.addEventListener('focus', listener);
  window.addEventListener('blur', listener);
  document.addEventListener('visibilitychange', listener);
  return () => {
    window.removeEventListener('focus', listener);
    window.removeEventListener('blur', listener);
    document.removeEventListener('visibilitychange', listener);
  };
}

const isFocused = () => document.visibilityState === 'visible' && document.hasFocus();

/** Whether the window is focused and visible (read markers only move then). */
export function useWindowFocused(): boolean {
  return useSyncExternalStore(subscribe, isFocused, () => true);
}
