import type { Theme } from '../ipc';

const KEY = 'parley.theme';

/**
 * Applies the theme to <html>: `system` removes the attribute and lets
 * `prefers-color-scheme` decide; the choice is mirrored to localStorage so the next start
 * paints in the right colours before the settings arrive over IPC.
 */
export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // Storage may be unavailable; the theme still applies for this session.
  }
}

export function applyStoredTheme(): void {
  try {
    const t = localStorage.getItem(KEY);
    if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
  } catch {
    // Ignore: fall back to the OS preference.
  }
}
