import { describe, expect, it } from 'vitest';
import { directPeerHandle, personLabel, type Person } from './personLabel';

const person = (id: string, username: string, display_name: string): Person => ({ id, username, display_name });

const ada = person('u-ada', 'ada', 'Ada');
const adaLovelace = person('u-ada', 'ada', 'Ada Lovelace');
const sam = person('u-sam', 'sam', 'Sam');
const fakeAda = person('u-eve', 'eve', 'Ada');

describe('personLabel', () => {
  it.each([
    ['the same as the username', ada, [], { name: 'Ada', handle: null }],
    ['the username in other case', person('u1', 'grace', 'GRACE'), [], { name: 'GRACE', handle: null }],
    ['empty (falls back to the username)', person('u1', 'ken', ''), [], { name: 'ken', handle: null }],
    ['different from the username', adaLovelace, [], { name: 'Ada Lovelace', handle: 'ada' }],
    ['unique in the conversation', ada, [ada, sam], { name: 'Ada', handle: null }],
    ['shared with another member (the genuine one)', ada, [ada, sam, fakeAda], { name: 'Ada', handle: 'ada' }],
    ['shared with another member (the copy)', fakeAda, [ada, sam, fakeAda], { name: 'Ada', handle: 'eve' }],
    ['shared up to case and spacing', ada, [ada, person('u-eve', 'eve', ' ada ')], { name: 'Ada', handle: 'ada' }],
    ['shared up to full-width letters', ada, [ada, person('u-eve', 'eve', 'Ａｄａ')], { name: 'Ada', handle: 'ada' }],
    ['only similar to another member', ada, [ada, person('u-adam', 'adam', 'Adam')], { name: 'Ada', handle: null }],
  ])('display name %s', (_, who, people, expected) => {
    expect(personLabel(who, people)).toEqual(expected);
  });

  it('does not count a person as colliding with themselves', () => {
    expect(personLabel(ada, [ada, ada])).toEqual({ name: 'Ada', handle: null });
  });
});

describe('directPeerHandle', () => {
  it.each([
    ['name is their username', [sam, ada], null],
    ['name differs from their username', [sam, adaLovelace], 'ada'],
    ['name is the same as mine', [person('u-sam', 'sam', 'Ada'), ada], 'ada'],
    ['profile is not loaded yet', [sam], null],
  ])("shows the other member's handle when their %s", (_, people, expected) => {
    expect(directPeerHandle(people, sam.id)).toBe(expected);
  });

  it('shows nothing while it is unknown who I am', () => {
    expect(directPeerHandle([sam, adaLovelace], null)).toBeNull();
  });
});
