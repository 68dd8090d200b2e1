// Hand-written from the Rust serde shapes; to be replaced by ts-rs generated types in ui/src/gen/.
//
// Field names are snake_case because that is what serde emits for these structs; command
// *arguments* are camelCase because Tauri maps them onto the Rust parameter names.

export type ConnectionState = 'Online' | 'Connecting' | 'Offline' | 'Syncing';

export interface User {
  id: string;
  username: string;
  display_name: string | null;
  created_at: string;
}

export interface AccountInfo {
  /** `username@host`, the key for `switch_account`. */
  label: string;
  server: string;
  username: string;
  user_id: string;
}

export interface SessionState {
  accounts: AccountInfo[];
  active: string | null;
  connection: ConnectionState;
  user: User | null;
}

export interface Reaction {
  emoji: string;
  count: number;
  user_ids: string[];
}

export interface Attachment {
  id: string;
  size: number;
  content_type: string;
  sha256: string;
  name: string;
}

export interface Message {
  id: string;
  conversation_id: string;
  sender_id: string;
  client_id: string;
  seq: number;
  body: string;
  reply_to: string | null;
  created_at: string;
  edited_at: string | null;
  deleted: boolean;
  reactions: Reaction[];
  attachments: Attachment[];
}

export type Delivery =
  | { state: 'sent' }
  | { state: 'pending' }
  | { state: 'failed'; reason: string };

/** A message as the local cache holds it. Pending ones have id `local:<client_id>` and seq 0. */
export interface CachedMessage {
  message: Message;
  delivery: Delivery;
}

export type ConversationKind = 'direct' | 'group';

export interface Member {
  user_id: string;
  role: 'admin' | 'member';
}

export interface Conversation {
  id: string;
  kind: ConversationKind;
  title: string | null;
  members: Member[];
  created_at: string;
  last_message: Message | null;
  unread_count: number;
  last_read_seq: number;
}

export interface CachedConversation {
  conversation: Conversation;
  display_title: string;
  left: boolean;
  activity_at: string;
}

/**
 * A file copied into the engine's staging area, waiting to go out with a message. Pending
 * messages in the cache show their attachments with id `local:<staged_id>` and an empty sha256.
 */
export interface StagedAttachment {
  staged_id: string;
  name: string;
  size: number;
  content_type: string;
}

export interface OutboxEntry {
  client_id: string;
  conversation_id: string;
  body: string;
  reply_to: string | null;
  created_at: string;
  state: string;
  attempts: number;
  next_attempt_at: string | null;
  attachments: StagedAttachment[];
}

export interface SessionInfo {
  session_id: string;
  device_name: string | null;
  created_at: string;
  last_seen_at: string;
  current: boolean;
}

export type Theme = 'system' | 'light' | 'dark';

export interface Settings {
  close_to_tray: boolean;
  theme: Theme;
}

export interface AppliedSummary {
  conversations: string[];
  messages: Record<string, string[]>;
  read_markers: string[];
  refetch: string[];
  cursor: string | null;
}

/** One entry of a `parley://events` batch. */
export type UiEvent =
  | { type: 'state'; state: ConnectionState }
  | { type: 'applied'; summary: AppliedSummary }
  | { type: 'outbox'; client_id: string; conversation_id: string; delivery: Delivery }
  | { type: 'typing'; conversation_id: string; user_id: string }
  | { type: 'progress'; applied: number }
  | { type: 'account'; active: string | null }
  | { type: 'open_conversation'; conversation_id: string };

/** Every command: its camelCase arguments and what it resolves to. */
export interface CommandMap {
  session_state: { args: undefined; result: SessionState };
  sign_in: { args: { server: string; username: string; password: string }; result: AccountInfo };
  create_account: {
    args: { server: string; username: string; password: string; displayName: string | null };
    result: AccountInfo;
  };
  sign_out: { args: undefined; result: void };
  switch_account: { args: { label: string }; result: void };
  conversations: { args: undefined; result: CachedConversation[] };
  messages: {
    args: { conversationId: string; before: number | null; limit: number };
    result: CachedMessage[];
  };
  send_message: {
    args: { conversationId: string; body: string; replyTo: string | null; stagedIds: string[] };
    result: OutboxEntry;
  };
  /** Raw body: the file's bytes; name and type travel as headers (see `commands.stageAttachment`). */
  stage_attachment: { args: Uint8Array; result: StagedAttachment };
  discard_staged: { args: { stagedId: string }; result: void };
  /** The image bytes of a small preview; `not_found` when the attachment is not an image. */
  attachment_thumbnail: { args: { attachmentId: string }; result: ArrayBuffer };
  /** Opens the file with the system's default app. */
  open_attachment: { args: { attachmentId: string }; result: void };
  /** Saves a copy of the file on this computer; resolves to the path it was saved at. */
  save_attachment: { args: { attachmentId: string }; result: string };
  /** Opens an http(s) or mailto link from a message in the system browser / mail app. */
  open_external: { args: { url: string }; result: void };
  retry_message: { args: { clientId: string }; result: void };
  discard_message: { args: { clientId: string }; result: void };
  edit_message: { args: { conversationId: string; messageId: string; body: string }; result: void };
  delete_message: { args: { conversationId: string; messageId: string }; result: void };
  react: {
    args: { conversationId: string; messageId: string; emoji: string; on: boolean };
    result: void;
  };
  mark_read: { args: { conversationId: string; seq: number }; result: void };
  find_users: { args: { query: string }; result: User[] };
  user: { args: { id: string }; result: User | null };
  create_conversation: {
    args: { kind: ConversationKind; title: string | null; memberIds: string[] };
    result: string;
  };
  search: { args: { query: string; conversationId: string | null }; result: Message[] };
  sessions: { args: undefined; result: SessionInfo[] };
  revoke_session: { args: { sessionId: string }; result: void };
  get_draft: { args: { conversationId: string }; result: string };
  set_draft: { args: { conversationId: string; text: string }; result: void };
  settings: { args: undefined; result: Settings };
  set_settings: { args: { settings: Settings }; result: void };
  reconnect_now: { args: undefined; result: void };
}

export type CommandName = keyof CommandMap;
export type CommandArgs<K extends CommandName> = CommandMap[K]['args'];
export type CommandResult<K extends CommandName> = CommandMap[K]['result'];
