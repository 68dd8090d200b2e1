import { describe, expect, it } from 'vitest';
import { isInsecureServerUrl } from './serverUrl';

describe('isInsecureServerUrl', () => {
  it.each([
    ['http://localhost:8080', false],
    ['http://LOCALHOST', false],
    ['http://127.0.0.1', false],
    ['http://127.12.0.9:8080/', false],
    ['http://127.1', false],
    ['http://[::1]:8080', false],
    ['  http://127.0.0.1:8080  ', false],
    ['http://192.168.1.5', true],
    ['http://10.0.0.2:8080', true],
    ['http://chat.example.com', true],
    ['HTTP://chat.example.com:9000', true],
    ['http://localhost.example.com', true],
    ['http://127.0.0.1.example.com', true],
    ['http://[::2]', true],
    ['https://chat.example.com', false],
    ['https://192.168.1.5:8443', false],
    ['garbage', false],
    ['', false],
    ['http://', false],
  ])('%s → %s', (url, insecure) => {
    expect(isInsecureServerUrl(url)).toBe(insecure);
  });
});
