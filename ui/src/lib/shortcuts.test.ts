import { describe, expect, it } from 'vitest';
import { conversation } from '../test/fixtures';
import { fuzzyScore, jumpChoices, neighbour, nextUnread, shortcutOf } from './shortcuts';

const key = (key: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) =>
  ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('shortcutOf', () => {
  it.each([
    [key('k', { ctrlKey: true }), 'jump'],
    [key('K', { metaKey: true }), 'jump'],
    [key('/', { ctrlKey: true }), 'shortcuts'],
    [key('/', { ctrlKey: true, shiftKey: true }), 'shortcuts'],
    [key('f', { ctrlKey: true }), 'search'],
    [key('ArrowDown', { altKey: true }), 'next'],
    [key('ArrowUp', { altKey: true }), 'previous'],
    [key('ArrowDown', { altKey: true, shiftKey: true }), 'next-unread'],
    [key('k'), null],
    [key('ArrowDown'), null],
    [key('k', { ctrlKey: true, altKey: true }), null],
    [key('ArrowUp', { altKey: true, shiftKey: true }), null],
  ] as const)('%o is %s', (e, want) => {
    expect(shortcutOf(e)).toBe(want);
  });
});

describe('moving between conversations', () => {
  const list = [conversation('a', 'A', 0), conversation('b', 'B', 2), conversation('c', 'C', 0), conversation('d', 'D', 1)];

  it('steps through the list in its order, wrapping around', () => {
    expect(neighbour(list, 'a', 1)).toBe('b');
    expect(neighbour(list, 'd', 1)).toBe('a');
    expect(neighbour(list, 'a', -1)).toBe('d');
    expect(neighbour(list, null, 1)).toBe('a');
    expect(neighbour(list, null, -1)).toBe('d');
    expect(neighbour([], null, 1)).toBeNull();
  });

  it('finds the next unread one after the open one, never the open one', () => {
    expect(nextUnread(list, 'a')).toBe('b');
    expect(nextUnread(list, 'b')).toBe('d');
    expect(nextUnread(list, 'd')).toBe('b');
    expect(nextUnread(list, null)).toBe('b');
    expect(nextUnread([conversation('a', 'A', 3)], 'a')).toBeNull();
    const marked = conversation('m', 'M', 0);
    marked.conversation.marked_unread = true;
    expect(nextUnread([list[0]!, marked], 'a')).toBe('m');
  });
});

describe('Jump to conversation', () => {
  it('matches fuzzily, best first, and not at all when a letter is missing', () => {
    expect(fuzzyScore('Group planning', 'gp')).not.toBeNull();
    expect(fuzzyScore('Group planning', 'gpz')).toBeNull();
    expect(fuzzyScore('Group planning', 'gro')!).toBeGreaterThan(fuzzyScore('laptop groups', 'gro')!);
    expect(fuzzyScore('Anything', '')).toBe(0);
  });

  it('puts unread conversations first, then the best matches, then the list order', () => {
    const list = [
      conversation('1', 'laptop groups', 0),
      conversation('2', 'Group planning', 0),
      conversation('3', 'Gardening people', 4),
      conversation('4', 'Ada', 0),
    ];
    expect(jumpChoices(list, 'gp').map((c) => c.display_title)).toEqual(['Gardening people', 'Group planning', 'laptop groups']);
    expect(jumpChoices(list, '').map((c) => c.conversation.id)).toEqual(['3', '1', '2', '4']);
  });
});
