import { describe, expect, it } from 'vitest';
import { connectionFromEvent, connectionFromSnapshot, connectionStore } from './connection';

describe('connection state', () => {
  it('takes the first snapshot, then only events: a late snapshot never puts an old state back', () => {
    connectionFromSnapshot('Syncing');
    expect(connectionStore.get()).toBe('Syncing');
    connectionFromEvent('Online');
    connectionFromSnapshot('Syncing'); // fetched before the event, answered after it
    expect(connectionStore.get()).toBe('Online');
    connectionFromEvent('Offline');
    expect(connectionStore.get()).toBe('Offline');
  });
});
