import { describe, expect, it, vi } from 'vitest';
import { selectedConversationStore } from '../state/navigation';
import { typingStore } from '../state/typing';
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
    expect(keys).toEqual([['conversations'], ['messages', 'c1'], ['messages', 'c2']]);
  });

  it('resets everything when the account changes', () => {
    const qc = createQueryClient();
    const reset = vi.spyOn(qc, 'resetQueries');
    selectedConversationStore.set('c1');
    applyUiEvents(qc, [{ type: 'account', active: 'other@host' }]);
    expect(reset).toHaveBeenCalled();
    expect(selectedConversationStore.get()).toBeNull();
  });

  it('records typing', () => {
    applyUiEvents(createQueryClient(), [{ type: 'typing', conversation_id: 'c9', user_id: 'u1' }]);
    expect(Object.keys(typingStore.get().c9 ?? {})).toEqual(['u1']);
  });
});
