import { describe, expect, it } from 'vitest';
import { message } from '../test/fixtures';
import { markMatches, mergeResults, searchTerms } from './searchMarks';

describe('searchTerms', () => {
  it('reads words as the index does', () => {
    expect(searchTerms("It's  the PLAN, plan!")).toEqual(['it', 's', 'the', 'plan']);
    expect(searchTerms('  ')).toEqual([]);
    expect(searchTerms('café 42')).toEqual(['café', '42']);
  });
});

describe('markMatches', () => {
  it('marks the matched start of every word, keeping the text whole', () => {
    const text = 'Planning the plan: planet Plan-B, explain';
    const parts = markMatches(text, ['plan']);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.filter((p) => p.match).map((p) => p.text)).toEqual(['Plan', 'plan', 'plan', 'Plan']);
  });

  it('prefers the longest term and leaves text without matches alone', () => {
    expect(markMatches('release notes', ['re', 'release']).filter((p) => p.match).map((p) => p.text)).toEqual(['release']);
    expect(markMatches('nothing here', ['zebra'])).toEqual([{ text: 'nothing here', match: false }]);
    expect(markMatches('anything', [])).toEqual([{ text: 'anything', match: false }]);
  });
});

describe('mergeResults', () => {
  it('keeps each message once, newest first, local ones as they are', () => {
    const a = message(1, { id: 'a', created_at: '2026-11-20T10:00:00Z' });
    const b = message(2, { id: 'b', created_at: '2026-11-21T10:00:00Z' });
    const c = message(3, { id: 'c', created_at: '2026-11-19T10:00:00Z' });
    const bFromServer = { ...b, body: 'server copy' };
    expect(mergeResults([a, b], [bFromServer, c]).map((m) => [m.id, m.body === 'server copy'])).toEqual([
      ['b', false], ['a', false], ['c', false],
    ]);
    expect(mergeResults([a], undefined).map((m) => m.id)).toEqual(['a']);
  });
});
