import type { CachedConversation, CachedMessage, Message, User } from '../ipc';

export const me: User = { id: 'u-me', username: 'sam', display_name: 'Sam', created_at: '2026-01-01T00:00:00Z', last_seen_at: null, show_presence: true };
export const ada: User = { id: 'u-ada', username: 'ada', display_name: 'Ada', created_at: '2026-01-01T00:00:00Z', last_seen_at: null, show_presence: true };

export function message(seq: number, patch: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`, conversation_id: 'c1', sender_id: ada.id, client_id: `cl${seq}`, seq, body: `message ${seq}`,
    reply_to: null, created_at: new Date(Date.UTC(2026, 10, 20, 10, seq)).toISOString(), edited_at: null,
    deleted: false, reactions: [], attachments: [], mentions: [], ...patch,
  };
}

export function sent(m: Message): CachedMessage {
  return { message: m, delivery: { state: 'sent' } };
}

export function conversation(id: string, title: string, unread: number, last: Message | null = null): CachedConversation {
  return {
    conversation: { id, kind: 'direct', title: null, members: [{ user_id: me.id, role: 'member', last_read_seq: 0 }, { user_id: ada.id, role: 'member', last_read_seq: 0 }],
      created_at: '2026-01-01T00:00:00Z', last_message: last, unread_count: unread, last_read_seq: 0,
      mention_count: 0, notify: 'all', muted_until: null, marked_unread: false },
    display_title: title, left: false, activity_at: '2026-11-20T10:00:00Z',
  };
}

export const sessionState = {
  accounts: [{ label: 'sam@127.0.0.1', server: 'http://127.0.0.1:8080', username: 'sam', user_id: me.id, unread: 0 }],
  active: 'sam@127.0.0.1', connection: 'Online' as const, user: me,
};
