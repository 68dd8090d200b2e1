import { afterEach, describe, expect, it, vi } from 'vitest';
import { messageArrived, noteTyping, typingStore } from './typing';

describe('typing', () => {
  afterEach(() => {
    typingStore.set({});
    vi.useRealTimers();
  });

  it("ends with the typist's message, not with an older one", () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-07T10:00:00Z'));
    noteTyping('c1', 'u-ada');
    messageArrived('c1', 'u-ada', Date.parse('2026-12-07T09:59:59Z'));
    expect(typingStore.get().c1?.['u-ada']).toBeDefined(); // typing the next one
    messageArrived('c1', 'u-bob', Date.parse('2026-12-07T10:00:01Z'));
    expect(typingStore.get().c1?.['u-ada']).toBeDefined(); // someone else's message
    messageArrived('c1', 'u-ada', Date.parse('2026-12-07T10:00:01Z'));
    expect(typingStore.get().c1?.['u-ada']).toBeUndefined();
  });
});
