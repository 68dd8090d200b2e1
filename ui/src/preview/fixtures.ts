// Fake data for the screenshot preview only (preview.html); never part of the app bundle.
import type { CachedConversation, CachedMessage, Message, User } from '../ipc';

export const ME: User = { id: 'u-me', username: 'sam', display_name: 'Sam Rivera', created_at: '2026-01-02T09:00:00Z', last_seen_at: null, show_presence: true };

export const USERS: User[] = [
  ME,
  { id: 'u-ada', username: 'ada', display_name: 'Ada Lovelace', created_at: '2026-01-02T09:00:00Z', last_seen_at: null, show_presence: true },
  { id: 'u-grace', username: 'grace', display_name: 'Grace Hopper', created_at: '2026-01-02T09:00:00Z', last_seen_at: null, show_presence: true },
  { id: 'u-linus', username: 'linus', display_name: 'Linus T.', created_at: '2026-01-02T09:00:00Z', last_seen_at: null, show_presence: true },
  { id: 'u-margaret', username: 'margaret', display_name: 'Margaret Hamilton', created_at: '2026-01-02T09:00:00Z', last_seen_at: null, show_presence: true },
  { id: 'u-ken', username: 'ken', display_name: 'Ken Thompson', created_at: '2026-01-02T09:00:00Z', last_seen_at: null, show_presence: true },
];

const DIAGRAM = new TextEncoder().encode(
  '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180" viewBox="0 0 320 180">' +
  '<rect width="320" height="180" fill="#f4f1e8"/><g fill="none" stroke="#3b5bdb" stroke-width="3">' +
  '<rect x="20" y="60" width="80" height="50" rx="8"/><rect x="220" y="60" width="80" height="50" rx="8"/>' +
  '<path d="M100 85h110m-10-8 10 8-10 8"/></g><g font-family="sans-serif" font-size="14" fill="#1b1f27" text-anchor="middle">' +
  '<text x="60" y="90">outbox</text><text x="260" y="90">server</text><text x="160" y="72">seq order</text></g></svg>',
);

/** Attachment bytes the preview serves (attachment id → bytes and type). */
export const FILES: [string, { bytes: Uint8Array; type: string }][] = [
  ['a-diagram', { bytes: DIAGRAM, type: 'image/svg+xml' }],
];

const now = Date.now();
const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

let seqCounter = 0;
function msg(conv: string, sender: string, minutesAgo: number, body: string, extra: Partial<Message> = {}): Message {
  seqCounter += 1;
  return {
    id: `m-${conv}-${seqCounter}`, conversation_id: conv, sender_id: sender, client_id: `c-${conv}-${seqCounter}`,
    seq: seqCounter, body, reply_to: null, created_at: ago(minutesAgo), edited_at: null, deleted: false,
    reactions: [], attachments: [], mentions: [], ...extra,
  };
}

function adaThread(): Message[] {
  seqCounter = 0;
  const c = 'c-ada';
  const list = [
    msg(c, 'u-ada', 1500, 'Did you get a chance to look at the sync engine notes?'),
    msg(c, 'u-me', 1497, 'Yes! The cursor-based catch-up is really neat.'),
    msg(c, 'u-me', 1496, 'One question though: what happens when the outbox has 500 messages queued?'),
    msg(c, 'u-ada', 1490, 'They go out in order, each with its client_id, so retries never duplicate.'),
    msg(c, 'u-ada', 95, 'Morning! I pushed the new analytical engine draft 🎉', {
      reactions: [{ emoji: '🎉', count: 2, user_ids: ['u-me', 'u-grace'] }],
    }),
    msg(c, 'u-me', 92, 'Looking at it now. The notes are at https://parley.example.org/docs/sync, mail ada@example.org with questions.'),
    msg(c, 'u-ada', 80, 'Whiteboard from this morning, plus the benchmark log:', { attachments: [
      { id: 'a-diagram', size: DIAGRAM.length, content_type: 'image/svg+xml', sha256: 'a'.repeat(64), name: 'sync-diagram.svg' },
      { id: 'a-log', size: 48_213, content_type: 'text/plain', sha256: 'b'.repeat(64), name: 'bench-run-42.log' },
    ] }),
    msg(c, 'u-ada', 60, 'Someone pasted this into the group earlier, it should show up as plain text:\n<img src=x onerror=alert(1)>'),
    msg(c, 'u-me', 58, 'It does — rendered literally, no image, no alert.', { edited_at: ago(57) }),
    msg(c, 'u-ada', 40, ''),
    msg(c, 'u-ada', 12, 'Can you review the gap-filling by seq?\n\n  fn plan(gaps: &[Range<u64>]) -> Vec<Fetch>\n\nIt is a pure function now.'),
  ];
  list[9] = { ...list[9]!, deleted: true };
  list.push(msg(c, 'u-me', 5, 'Sure, after lunch. Sending my comments on the outbox too.', { reply_to: list[10]!.id,
    reactions: [{ emoji: '👍', count: 1, user_ids: ['u-ada'] }] }));
  return list;
}

export function initialMessages(): Map<string, CachedMessage[]> {
  const map = new Map<string, CachedMessage[]>();
  const sent = (m: Message): CachedMessage => ({ message: m, delivery: { state: 'sent' } });
  const ada = adaThread().map(sent);
  ada.push(local('c-ada', 'And here is one written offline, still waiting for the server.', 2, { state: 'pending' }));
  ada.push(local('c-ada', 'This one was refused.', 1, { state: 'failed', reason: 'message body too large' }));
  map.set('c-ada', ada);
  seqCounter = 0;
  map.set('c-design', [
    sent(msg('c-design', 'u-grace', 300, 'New icons are in the shared folder.')),
    sent(msg('c-design', 'u-margaret', 30, 'Love the dark theme contrast now.')),
  ]);
  return map;
}

function local(conv: string, body: string, minutesAgo: number, delivery: CachedMessage['delivery']): CachedMessage {
  const clientId = `local-${body.length}-${minutesAgo}`;
  return {
    message: { id: `local:${clientId}`, conversation_id: conv, sender_id: ME.id, client_id: clientId, seq: 0, body,
      reply_to: null, created_at: ago(minutesAgo), edited_at: null, deleted: false, reactions: [], attachments: [], mentions: [] },
    delivery,
  };
}

/** A conversation with `count` generated messages, for scrolling smoothness checks. */
export function bigThread(count: number): CachedMessage[] {
  const out: CachedMessage[] = new Array(count);
  const senders = ['u-me', 'u-grace', 'u-linus', 'u-ken'];
  const start = now - count * 45_000;
  for (let i = 0; i < count; i++) {
    const s = i + 1;
    out[i] = { delivery: { state: 'sent' }, message: {
      id: `m-big-${s}`, conversation_id: 'c-big', sender_id: senders[(i * 7 + (i >> 3)) % 4]!, client_id: `c-big-${s}`, seq: s,
      body: `Message #${s}` + (s % 5 === 0 ? '\nwith a second line of text to vary the height' : ''),
      reply_to: null, created_at: new Date(start + i * 45_000).toISOString(), edited_at: null, deleted: false,
      reactions: [], attachments: [], mentions: [] } };
  }
  return out;
}

export function conversationList(messages: Map<string, CachedMessage[]>): CachedConversation[] {
  const last = (id: string) => [...(messages.get(id) ?? [])].reverse().find((m) => m.message.seq > 0)?.message ?? null;
  const conv = (id: string, kind: 'direct' | 'group', title: string, members: string[], unread: number, at: number): CachedConversation => ({
    conversation: { id, kind, title: kind === 'group' ? title : null, members: members.map((user_id, i) => ({ user_id, role: i ? 'member' : 'admin', last_read_seq: 0 })),
      created_at: ago(20000), last_message: last(id) ?? { ...fake(id, members[1] ?? ME.id, at) }, unread_count: unread, last_read_seq: 0,
      mention_count: 0, notify: 'all', muted_until: null, marked_unread: false },
    display_title: title, left: false, activity_at: ago(at),
  });
  return [
    conv('c-ada', 'direct', 'Ada Lovelace', [ME.id, 'u-ada'], 0, 1),
    conv('c-design', 'group', 'Design crew', [ME.id, 'u-grace', 'u-margaret'], 3, 30),
    conv('c-grace', 'direct', 'Grace Hopper', [ME.id, 'u-grace'], 1, 240),
    conv('c-big', 'group', 'Load test (100k)', [ME.id, 'u-grace', 'u-linus', 'u-ken'], 0, 600),
    conv('c-linus', 'direct', 'Linus T.', [ME.id, 'u-linus'], 0, 60 * 26),
    conv('c-release', 'group', 'Release 0.1 planning', [ME.id, 'u-ken', 'u-margaret'], 12, 60 * 24 * 3),
    conv('c-margaret', 'direct', 'Margaret Hamilton', [ME.id, 'u-margaret'], 0, 60 * 24 * 9),
  ];
}

function fake(conv: string, sender: string, minutesAgo: number): Message {
  const bodies: Record<string, string> = {
    'c-grace': 'Found the bug: it was a moth. 🦋', 'c-big': 'Message #100000', 'c-linus': 'Talk is cheap. Show me the code.',
    'c-release': 'Checklist updated, 4 items left', 'c-margaret': 'Priority displays are ready for review.',
  };
  return { ...msg(conv, sender, minutesAgo, bodies[conv] ?? 'Hello'), seq: 1 };
}
