import { beforeEach, describe, expect, it } from 'vitest';
import { inTone, loadEmojiSet, recentReactions, rememberReaction, rememberSkinTone, sameEmoji, searchEmoji, skinTone } from './emoji';

describe('the emoji set', () => {
  it('holds the full set by category, without skin-tone swatches', async () => {
    const set = await loadEmojiSet();
    expect(set.length).toBeGreaterThan(1800);
    expect(set.find((e) => e.label === 'rocket')).toMatchObject({ emoji: '🚀', group: 'travel & places' });
    expect(set.some((e) => e.label.startsWith('regional indicator'))).toBe(false);
    expect(set.some((e) => e.label === 'medium skin tone')).toBe(false);
  });

  it('knows the five skin tones of the emoji that have them', async () => {
    const set = await loadEmojiSet();
    const byLabel = (label: string) => set.find((e) => e.label === label)!;
    expect(inTone(byLabel('waving hand'), 3)).toEqual({ emoji: '👋🏽', label: 'waving hand: medium skin tone' });
    expect(inTone(byLabel('waving hand'), 0).emoji).toBe('👋');
    expect(byLabel('waving hand').tones?.map((t) => t.emoji)).toEqual(['👋🏻', '👋🏼', '👋🏽', '👋🏾', '👋🏿']);
    // Two people: the matching pair, not a mix.
    expect(inTone(byLabel('people holding hands'), 5).label).toBe('people holding hands: dark skin tone');
    expect(inTone(byLabel('rocket'), 3).emoji).toBe('🚀');
    expect(byLabel('rocket').tones).toBeUndefined();
  });

  it('remembers the skin tone, and reads a damaged entry as the default', () => {
    localStorage.clear();
    expect(skinTone()).toBe(0);
    rememberSkinTone(4);
    expect(skinTone()).toBe(4);
    localStorage.setItem('parley.skinTone', 'purple');
    expect(skinTone()).toBe(0);
  });

  it('is searched by every word, on names and tags, names starting with the query first', async () => {
    const set = await loadEmojiSet();
    expect(searchEmoji(set, 'thumbs up')[0]?.label).toBe('thumbs up');
    expect(searchEmoji(set, '+1').map((e) => e.label)).toContain('thumbs up');
    expect(searchEmoji(set, 'rock')[0]?.label).toMatch(/^rock/);
    expect(searchEmoji(set, 'zzzz-nothing')).toEqual([]);
    expect(searchEmoji(set, '   ')).toEqual([]);
  });
});

describe('recent reactions', () => {
  beforeEach(() => localStorage.clear());

  it('start from the defaults, newest first, one entry per emoji', () => {
    const defaults = ['👍', '❤️'];
    expect(recentReactions(defaults)).toEqual(['👍', '❤️']);
    rememberReaction('🚀', defaults);
    rememberReaction('❤', defaults); // the same heart without U+FE0F
    expect(recentReactions(defaults)).toEqual(['❤', '🚀', '👍']);
  });

  it('survive a damaged entry', () => {
    localStorage.setItem('parley.recentReactions', '{not json');
    expect(recentReactions(['👍'])).toEqual(['👍']);
  });
});

it('treats an emoji with and without U+FE0F as one', () => {
  expect(sameEmoji('❤️', '❤')).toBe(true);
  expect(sameEmoji('👍', '👎')).toBe(false);
});
