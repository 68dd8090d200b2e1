import { QueryObserver } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { jumpStore } from '../state/jump';
import { selectedConversationStore } from '../state/navigation';
import { typingStore } from '../state/typing';
import { uploadsStore } from '../state/uploads';
import { createQueryClient } from './client';
import { applyUiEvents } from './events';

describe('applyUiEvents', () => {
  it('invalidates the list and each touched conversation once per batch', () => {
    const qc = createQueryClient();
    const spy = vi.spyOn(qc, 'invalidateQueries');
    applyUiEvents(qc, [
      { type: 'applied', summary: { conversations: ['c1'], messages: { c1: ['m1'], c2: ['m2'] }, read_markers: [], refetch: [], cursor: 'x' } },
      { type: 'outbox', client_id: 'k', conversation_id: 'c2', delivery: { state: 'sent' } },
    ]);
    const keys = spy.mock.calls.map(([f]) => f?.queryKey);
    expect(keys).toEqual([['conversations'], ['user'], ['messages', 'c1'], ['messages', 'c2']]);
  });

  it('re-reads the messages of a conversation on screen, only marks the others stale', async () => {
    const qc = createQueryClient();
    const reads = { open: 0, closed: 0 };
    const open = new QueryObserver(qc, { queryKey: ['messages', 'open'], queryFn: () => ++reads.open });
    const unsubscribe = open.subscribe(() => {});
    await qc.fetchQuery({ queryKey: ['messages', 'closed'], queryFn: () => ++reads.closed });
    await vi.waitFor(() => expect(reads.open).toBe(1));
    applyUiEvents(qc, [{ type: 'applied', summary: { conversations: [], messages: { open: ['m1'], closed: ['m2'] }, read_markers: [], refetch: [], cursor: 'z' } }]);
    await vi.waitFor(() => expect(reads.open).toBe(2));
    expect(reads.closed).toBe(1);
    expect(qc.getQueryState(['messages', 'closed'])?.isInvalidated).toBe(true);
    unsubscribe();
  });

  it("re-reads the session (other accounts' unread counts) when another account changed", () => {
    const qc = createQueryClient();
    const spy = vi.spyOn(qc, 'invalidateQueries');
    applyUiEvents(qc, [{ type: 'other_accounts' }]);
    expect(spy.mock.calls.map(([f]) => f?.queryKey)).toEqual([['session']]);
  });

  it('re-reads profiles when conversations changed (names learned after ids were shown)', () => {
    const qc = createQueryClient();
    const spy = vi.spyOn(qc, 'invalidateQueries');
    applyUiEvents(qc, [{ type: 'applied', summary: { conversations: ['c1'], messages: {}, read_markers: [], refetch: [], cursor: null } }]);
    expect(spy.mock.calls.map(([f]) => f?.queryKey)).toEqual([['conversations'], ['user'], ['messages', 'c1']]);
    spy.mockClear();
    applyUiEvents(qc, [{ type: 'applied', summary: { conversations: [], messages: { c1: ['m1'] }, read_markers: [], refetch: [], cursor: 'y' } }]);
    expect(spy.mock.calls.map(([f]) => f?.queryKey)).toEqual([['conversations'], ['messages', 'c1']]);
  });

  it('re-reads a first load that was in flight when the change came', async () => {
    const qc = createQueryClient();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const queryFn = async () => {
      calls += 1;
      if (calls === 1) {
        await gate; // read the cache before the change, answers after it
        return 'titled by an id';
      }
      return 'titled by a name';
    };
    const observer = new QueryObserver(qc, { queryKey: ['conversations'], queryFn });
    const unsubscribe = observer.subscribe(() => {});
    applyUiEvents(qc, [{ type: 'applied', summary: { conversations: ['c1'], messages: {}, read_markers: [], refetch: [], cursor: null } }]);
    release();
    await vi.waitFor(() => expect(qc.getQueryData(['conversations'])).toBe('titled by a name'));
    await gate;
    expect(qc.getQueryData(['conversations'])).toBe('titled by a name');
    unsubscribe();
  });

  it('resets everything when the account changes', () => {
    const qc = createQueryClient();
    const reset = vi.spyOn(qc, 'resetQueries');
    selectedConversationStore.set('c1');
    applyUiEvents(qc, [{ type: 'account', active: 'other@host' }]);
    expect(reset).toHaveBeenCalled();
    expect(selectedConversationStore.get()).toBeNull();
  });

  it('opens a conversation and records typing', () => {
    applyUiEvents(createQueryClient(), [
      { type: 'open_conversation', conversation_id: 'c9', message_id: null, seq: null },
      { type: 'typing', conversation_id: 'c9', user_id: 'u1' },
    ]);
    expect(selectedConversationStore.get()).toBe('c9');
    expect(Object.keys(typingStore.get().c9 ?? {})).toEqual(['u1']);
  });

  it("opens a notification's conversation at its message", () => {
    jumpStore.set(null);
    applyUiEvents(createQueryClient(), [{ type: 'open_conversation', conversation_id: 'c8', message_id: 'm42', seq: 42 }]);
    expect(selectedConversationStore.get()).toBe('c8');
    expect(jumpStore.get()).toEqual({ conversationId: 'c8', messageId: 'm42', seq: 42 });
  });

  it('tracks uploads until their message is sent', () => {
    const qc = createQueryClient();
    applyUiEvents(qc, [{ type: 'upload', client_id: 'q1', conversation_id: 'c1', staged_id: 's1', name: 'a.bin', sent: 10, total: 40 }]);
    expect(uploadsStore.get()).toEqual({ q1: { s1: { name: 'a.bin', sent: 10, total: 40 } } });
    applyUiEvents(qc, [{ type: 'outbox', client_id: 'q1', conversation_id: 'c1', delivery: { state: 'sent' } }]);
    expect(uploadsStore.get()).toEqual({});
  });
});
