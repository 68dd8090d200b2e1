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

/**
 * True when signing in to `url` would send the password and messages unencrypted across a
 * network: plain `http://` to anything but this computer. Loopback (`localhost`,
 * 127.0.0.0/8, `::1`) never leaves the machine, and `https://` is encrypted, so neither
 * needs a warning. Something that isn't a URL isn't judged here: signing in rejects it.
 */
export function isInsecureServerUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return false;
  }
  return parsed.protocol === 'http:' && !isLoopback(parsed.hostname);
}

// `URL` has already normalized the host: lower case, IPv4 in dotted decimal (`127.1` →
// `127.0.0.1`), IPv6 in brackets and compressed.
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
