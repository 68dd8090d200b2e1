import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => cleanup());

// jsdom has no ResizeObserver; Virtuoso only needs the constructor to exist when its mock
// context supplies the sizes.
if (!('ResizeObserver' in globalThis)) {
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}

// jsdom doesn't scroll; Virtuoso calls scrollBy when older items are prepended.
if (typeof Element.prototype.scrollBy !== 'function') {
  Element.prototype.scrollBy = function scrollBy() {};
}
