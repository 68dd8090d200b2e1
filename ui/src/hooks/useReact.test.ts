import { describe, expect, it } from 'vitest';
import { toggled } from './useReact';

describe('toggled', () => {
  const thumbs = { emoji: '👍', count: 2, user_ids: ['u-ada', 'u-bob'] };

  it('adds, joins and takes back one reaction of mine', () => {
    expect(toggled([], '🚀', 'u-me', true)).toEqual([{ emoji: '🚀', count: 1, user_ids: ['u-me'] }]);
    expect(toggled([thumbs], '👍', 'u-me', true)).toEqual([{ emoji: '👍', count: 3, user_ids: ['u-ada', 'u-bob', 'u-me'] }]);
    expect(toggled([thumbs], '👍', 'u-ada', false)).toEqual([{ emoji: '👍', count: 1, user_ids: ['u-bob'] }]);
    expect(toggled([{ emoji: '🚀', count: 1, user_ids: ['u-me'] }, thumbs], '🚀', 'u-me', false)).toEqual([thumbs]);
  });

  it('changes nothing when it is already so', () => {
    expect(toggled([thumbs], '👍', 'u-ada', true)).toEqual([thumbs]);
    expect(toggled([thumbs], '🎉', 'u-me', false)).toEqual([thumbs]);
  });
});
