// An in-memory stand-in for the Tauri shell, used only by preview.html (screenshots, manual
// checks in a plain browser). It answers the same commands with fixture data.
import type { Attachment, CachedMessage, ConnectionState, InvokeOptions, Settings, StagedAttachment, Transport, UiEvent } from '../ipc';
import { CommandError } from '../ipc';
import { bigThread, conversationList, FILES, initialMessages, ME, USERS } from './fixtures';

export interface PreviewOptions {
  signedIn: boolean;
  connection: ConnectionState;
  theme: Settings['theme'];
  bigCount: number;
}

export function fakeTransport(opts: PreviewOptions): Transport {
  const messages = initialMessages();
  if (opts.bigCount > 0) messages.set('c-big', bigThread(opts.bigCount));
  const conversations = conversationList(messages);
  const listeners = new Set<(batch: UiEvent[]) => void>();
  const emit = (batch: UiEvent[]) => listeners.forEach((l) => l(batch));
  let active: string | null = opts.signedIn ? 'sam@127.0.0.1' : null;
  let settings: Settings = { close_to_tray: true, theme: opts.theme, active_account: null, downloads_cap_mb: 1024 };
  const drafts = new Map<string, string>();
  const account = { label: 'sam@127.0.0.1', server: 'http://127.0.0.1:8080', username: 'sam', user_id: ME.id, unread: 0 };

  // Attachment bytes by attachment id (sent) or staged id (waiting in the composer).
  const files = new Map<string, { bytes: Uint8Array; type: string }>(FILES);
  const staged = new Map<string, StagedAttachment>();

  const handlers: Record<string, (a: Record<string, unknown>, o?: InvokeOptions) => unknown> = {
    session_state: () => ({ accounts: active ? [account, { ...account, label: 'sam@chat.example.org', server: 'https://chat.example.org', unread: 4 }] : [],
      active, connection: opts.connection, user: active ? ME : null }),
    sign_in: (a) => {
      if (a.password !== 'correct horse') throw { code: 'unauthorized', message: 'Wrong username or password' };
      active = account.label;
      return account;
    },
    create_account: () => { throw { code: 'conflict', message: 'That username is taken' }; },
    sign_out: () => { active = null; },
    switch_account: () => undefined,
    conversations: () => conversations,
    messages: (a) => page(messages.get(a.conversationId as string) ?? [], a.before as number | null, a.limit as number),
    user: (a) => USERS.find((u) => u.id === a.id) ?? null,
    find_users: (a) => USERS.filter((u) => u.username.startsWith(String(a.query).toLowerCase())),
    search: (a) => [...messages.values()].flat().map((m) => m.message)
      .filter((m) => m.body.toLowerCase().includes(String(a.query).toLowerCase())).slice(0, 50),
    send_message: (a) => send(a.conversationId as string, a.body as string, a.replyTo as string | null, a.stagedIds as string[]),
    stage_attachment: (a, o) => stage(a as unknown as Uint8Array, o),
    discard_staged: (a) => { staged.delete(a.stagedId as string); files.delete(a.stagedId as string); },
    attachment_thumbnail: (a) => {
      const f = files.get(a.attachmentId as string);
      if (!f?.type.startsWith('image/')) throw { code: 'not_found', message: 'No thumbnail for this attachment' };
      return f.bytes.slice().buffer;
    },
    open_attachment: () => undefined,
    save_attachment: (a) => `/home/sam/Downloads/${attachmentName(a.attachmentId as string)}`,
    open_external: () => undefined,
    get_draft: (a) => drafts.get(a.conversationId as string) ?? '',
    set_draft: (a) => { drafts.set(a.conversationId as string, a.text as string); },
    settings: () => settings,
    set_settings: (a) => { settings = a.settings as Settings; },
    downloads: () => ({ bytes: 48_300_000, files: 23 }),
    clear_downloads: () => ({ bytes: 0, files: 0 }),
    sessions: () => [
      { session_id: 's1', device_name: 'Parley desktop on this laptop', created_at: new Date(Date.now() - 864e5 * 12).toISOString(), last_seen_at: new Date().toISOString(), current: true },
      { session_id: 's2', device_name: 'parley CLI (build box)', created_at: new Date(Date.now() - 864e5 * 40).toISOString(), last_seen_at: new Date(Date.now() - 864e5 * 2).toISOString(), current: false },
    ],
  };

  function stage(bytes: Uint8Array, o: InvokeOptions | undefined) {
    const name = decodeURIComponent(o?.headers['x-parley-name'] ?? 'file');
    if (bytes.length > 25 * 1024 * 1024) throw { code: 'too_large', message: `${name} is larger than 25 MB` };
    const entry = { staged_id: crypto.randomUUID(), name, size: bytes.length, content_type: o?.headers['x-parley-content-type'] ?? 'application/octet-stream' };
    staged.set(entry.staged_id, entry);
    files.set(entry.staged_id, { bytes, type: entry.content_type });
    return entry;
  }

  function attachmentName(id: string): string {
    for (const list of messages.values()) {
      for (const m of list) {
        const a = m.message.attachments.find((x) => x.id === id);
        if (a) return a.name;
      }
    }
    return 'file';
  }

  function send(conversationId: string, body: string, replyTo: string | null, stagedIds: string[] = []) {
    const clientId = crypto.randomUUID();
    const list = messages.get(conversationId) ?? [];
    const outgoing = stagedIds.flatMap((id) => staged.get(id) ?? []);
    stagedIds.forEach((id) => staged.delete(id));
    const pendingFiles: Attachment[] = outgoing.map((a) => ({ id: `local:${a.staged_id}`, size: a.size, content_type: a.content_type, sha256: '', name: a.name }));
    const message = { id: `local:${clientId}`, conversation_id: conversationId, sender_id: ME.id, client_id: clientId, seq: 0, body,
      reply_to: replyTo, created_at: new Date().toISOString(), edited_at: null, deleted: false, reactions: [], attachments: pendingFiles, mentions: [] };
    list.push({ message, delivery: { state: 'pending' } });
    messages.set(conversationId, list);
    setTimeout(() => {
      const seq = Math.max(0, ...list.map((m) => m.message.seq)) + 1;
      const i = list.findIndex((m) => m.message.client_id === clientId);
      const attachments = pendingFiles.map((a) => ({ ...a, id: a.id.replace('local:', 'a-'), sha256: 'f'.repeat(64) }));
      attachments.forEach((a, n) => files.set(a.id, files.get(outgoing[n]!.staged_id)!));
      if (i >= 0) list[i] = { message: { ...message, id: `m-${clientId}`, seq, attachments }, delivery: { state: 'sent' } };
      list.sort((x, y) => (x.message.seq || 1e15) - (y.message.seq || 1e15));
      emit([{ type: 'outbox', client_id: clientId, conversation_id: conversationId, delivery: { state: 'sent' } }]);
    }, 700);
    return { client_id: clientId, conversation_id: conversationId, body, reply_to: replyTo, created_at: message.created_at,
      state: { state: 'pending' }, attempts: 0, next_attempt_at: null, attachments: outgoing };
  }

  return {
    async invoke(name, args, options) {
      const h = handlers[name];
      if (!h) return undefined;
      try {
        return structuredClone(h((args ?? {}) as Record<string, unknown>, options));
      } catch (err) {
        throw CommandError.from(err);
      }
    },
    async listen(handler) {
      listeners.add(handler);
      return () => listeners.delete(handler);
    },
  };
}

function page(all: CachedMessage[], before: number | null, limit: number): CachedMessage[] {
  const sent = all.filter((m) => m.message.seq > 0);
  const end = before === null ? sent.length : lowerBound(sent, before);
  const out = sent.slice(Math.max(0, end - limit), end);
  return before === null ? out.concat(all.filter((m) => m.message.seq === 0)) : out;
}

function lowerBound(list: CachedMessage[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.message.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
