const KEY = 'parley.serverUrl';
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';

export function loadServerUrl(): string {
  try {
    return localStorage.getItem(KEY) || DEFAULT_SERVER_URL;
  } catch {
    return DEFAULT_SERVER_URL;
  }
}

export function saveServerUrl(url: string): void {
  try {
    localStorage.setItem(KEY, url);
  } catch {
    // Not remembered; nothing else depends on it.
  }
}
