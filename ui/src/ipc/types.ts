// The types that cross the IPC are generated from the Rust types (ts-rs) into ui/src/gen/;
// this file re-exports them and adds the command map, which only the UI side spells out.
//
// Field names are snake_case because that is what serde emits for these structs; command
// *arguments* are camelCase because Tauri maps them onto the Rust parameter names.

import type {
  AccountInfo,
  CachedConversation,
  CachedMessage,
  ConversationId,
  ConversationKind,
  DownloadsUsage,
  Message,
  MessageId,
  Notify,
  OutboxEntry,
  Role,
  SessionId,
  SessionInfo,
  SessionState,
  Settings,
  StagedAttachment,
  User,
  UserId,
} from '../gen';

export type * from '../gen';

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
    args: { conversationId: ConversationId; before: number | null; limit: number };
    result: CachedMessage[];
  };
  send_message: {
    args: { conversationId: ConversationId; body: string; replyTo: MessageId | null; stagedIds: string[] };
    result: OutboxEntry;
  };
  /** Raw body: the file's bytes; name and type travel as headers (see `commands.stageAttachment`). */
  stage_attachment: { args: Uint8Array; result: StagedAttachment };
  discard_staged: { args: { stagedId: string }; result: void };
  /** The image bytes of a small preview; `not_found` when the attachment is not an image. */
  attachment_thumbnail: { args: { attachmentId: string }; result: ArrayBuffer };
  attachment_image: { args: { attachmentId: string }; result: ArrayBuffer };
  /** Opens the file with the system's default app. */
  open_attachment: { args: { attachmentId: string }; result: void };
  /** Saves a copy of the file on this computer; resolves to the path it was saved at. */
  save_attachment: { args: { attachmentId: string }; result: string };
  export_conversation: { args: { conversationId: ConversationId }; result: string };
  cancel_upload: { args: { clientId: string }; result: boolean };
  downloads: { args: undefined; result: DownloadsUsage };
  clear_downloads: { args: undefined; result: DownloadsUsage };
  /** Opens an http(s) or mailto link from a message in the system browser / mail app. */
  open_external: { args: { url: string }; result: void };
  retry_message: { args: { clientId: string }; result: void };
  discard_message: { args: { clientId: string }; result: void };
  edit_message: {
    args: { conversationId: ConversationId; messageId: MessageId; body: string };
    result: void;
  };
  delete_message: { args: { conversationId: ConversationId; messageId: MessageId }; result: void };
  react: {
    args: { conversationId: ConversationId; messageId: MessageId; emoji: string; on: boolean };
    result: void;
  };
  mark_read: { args: { conversationId: ConversationId; seq: number }; result: void };
  mark_unread: { args: { conversationId: ConversationId; on: boolean }; result: void };
  find_users: { args: { query: string }; result: User[] };
  user: { args: { id: UserId }; result: User | null };
  create_conversation: {
    args: { kind: ConversationKind; title: string | null; memberIds: UserId[] };
    result: ConversationId;
  };
  /** Changes what is given of the profile; resolves to the new profile. */
  update_profile: { args: { displayName: string | null; showPresence: boolean | null }; result: User };
  /** Every other session of the account is signed out. A wrong current password: `forbidden`. */
  change_password: { args: { currentPassword: string; newPassword: string }; result: void };
  /** The user is typing (the engine sends at most one notice per conversation every 3 s). */
  typing: { args: { conversationId: ConversationId }; result: void };
  /** Group admins; online only, like every membership change. */
  rename_conversation: { args: { conversationId: ConversationId; title: string }; result: void };
  add_member: { args: { conversationId: ConversationId; userId: UserId }; result: void };
  /** Removes a member (admins), or leaves when `userId` is the account's own. */
  remove_member: { args: { conversationId: ConversationId; userId: UserId }; result: void };
  set_role: { args: { conversationId: ConversationId; userId: UserId; role: Role }; result: void };
  /** The account's own notification settings for one conversation (RFC 3339 or null). */
  set_conversation_settings: {
    args: { conversationId: ConversationId; notify: Notify; mutedUntil: string | null };
    result: void;
  };
  search: { args: { query: string; conversationId: ConversationId | null }; result: Message[] };
  search_server: { args: { query: string; conversationId: ConversationId | null }; result: Message[] };
  sessions: { args: undefined; result: SessionInfo[] };
  revoke_session: { args: { sessionId: SessionId }; result: void };
  get_draft: { args: { conversationId: ConversationId }; result: string };
  set_draft: { args: { conversationId: ConversationId; text: string }; result: void };
  settings: { args: undefined; result: Settings };
  set_settings: { args: { settings: Settings }; result: void };
  reconnect_now: { args: undefined; result: void };
}

export type CommandName = keyof CommandMap;
export type CommandArgs<K extends CommandName> = CommandMap[K]['args'];
export type CommandResult<K extends CommandName> = CommandMap[K]['result'];
