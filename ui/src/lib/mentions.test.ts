import { describe, expect, it } from 'vitest';
import { mentionQuery, splitMentions } from './mentions';

const named = new Map([['bob', 'u-bob'], ['ada.l', 'u-ada']]);

describe('splitMentions', () => {
  it('marks members named at the start or after whitespace, keeping the text exact', () => {
    const text = '@Bob look, mail bob@example.org and @ada.l. @nobody';
    const parts = splitMentions(text, named);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.filter((p) => p.userId).map((p) => [p.text, p.userId])).toEqual([['@Bob', 'u-bob'], ['@ada.l', 'u-ada']]);
  });

  it('drops sentence punctuation after a name', () => {
    expect(splitMentions('thanks @bob.', named).map((p) => p.text)).toEqual(['thanks ', '@bob', '.']);
  });
});

describe('mentionQuery', () => {
  it('finds the @word being typed', () => {
    expect(mentionQuery('hi @bo', 6)).toEqual({ start: 3, query: 'bo' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('mail a@b', 8)).toBeNull();
    expect(mentionQuery('no mention', 10)).toBeNull();
  });
});
