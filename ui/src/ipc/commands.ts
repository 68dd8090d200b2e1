import { invoke } from './invoke';
import type { ConversationKind, Notify, Role, Settings } from './types';

/**
 * Typed wrappers, one per shell command. Arguments are camelCase: Tauri maps them onto the
 * snake_case Rust parameters.
 */
export const commands = {
  sessionState: () => invoke('session_state'),
  signIn: (server: string, username: string, password: string) =>
    invoke('sign_in', { server, username, password }),
  createAccount: (server: string, username: string, password: string, displayName: string | null) =>
    invoke('create_account', { server, username, password, displayName }),
  signOut: () => invoke('sign_out'),
  switchAccount: (label: string) => invoke('switch_account', { label }),

  conversations: () => invoke('conversations'),
  messages: (conversationId: string, before: number | null, limit: number) =>
    invoke('messages', { conversationId, before, limit }),
  sendMessage: (conversationId: string, body: string, replyTo: string | null, stagedIds: string[]) =>
    invoke('send_message', { conversationId, body, replyTo, stagedIds }),
  /** Copies a file into the engine's staging area; the name is URI-encoded to fit a header. */
  stageAttachment: (name: string, contentType: string, bytes: Uint8Array) =>
    invoke('stage_attachment', bytes, {
      headers: { 'x-parley-name': encodeURIComponent(name), 'x-parley-content-type': contentType || 'application/octet-stream' },
    }),
  discardStaged: (stagedId: string) => invoke('discard_staged', { stagedId }),
  attachmentThumbnail: (attachmentId: string) => invoke('attachment_thumbnail', { attachmentId }),
  attachmentImage: (attachmentId: string) => invoke('attachment_image', { attachmentId }),
  openAttachment: (attachmentId: string) => invoke('open_attachment', { attachmentId }),
  saveAttachment: (attachmentId: string) => invoke('save_attachment', { attachmentId }),
  exportConversation: (conversationId: string) => invoke('export_conversation', { conversationId }),
  cancelUpload: (clientId: string) => invoke('cancel_upload', { clientId }),
  downloads: () => invoke('downloads'),
  clearDownloads: () => invoke('clear_downloads'),
  openExternal: (url: string) => invoke('open_external', { url }),
  retryMessage: (clientId: string) => invoke('retry_message', { clientId }),
  discardMessage: (clientId: string) => invoke('discard_message', { clientId }),
  editMessage: (conversationId: string, messageId: string, body: string) =>
    invoke('edit_message', { conversationId, messageId, body }),
  deleteMessage: (conversationId: string, messageId: string) =>
    invoke('delete_message', { conversationId, messageId }),
  react: (conversationId: string, messageId: string, emoji: string, on: boolean) =>
    invoke('react', { conversationId, messageId, emoji, on }),
  markRead: (conversationId: string, seq: number) => invoke('mark_read', { conversationId, seq }),
  markUnread: (conversationId: string, on: boolean) => invoke('mark_unread', { conversationId, on }),

  findUsers: (query: string) => invoke('find_users', { query }),
  user: (id: string) => invoke('user', { id }),
  createConversation: (kind: ConversationKind, title: string | null, memberIds: string[]) =>
    invoke('create_conversation', { kind, title, memberIds }),
  typing: (conversationId: string) => invoke('typing', { conversationId }),
  updateProfile: (displayName: string | null, showPresence: boolean | null) =>
    invoke('update_profile', { displayName, showPresence }),
  changePassword: (currentPassword: string, newPassword: string) =>
    invoke('change_password', { currentPassword, newPassword }),
  renameConversation: (conversationId: string, title: string) =>
    invoke('rename_conversation', { conversationId, title }),
  addMember: (conversationId: string, userId: string) => invoke('add_member', { conversationId, userId }),
  removeMember: (conversationId: string, userId: string) => invoke('remove_member', { conversationId, userId }),
  setRole: (conversationId: string, userId: string, role: Role) => invoke('set_role', { conversationId, userId, role }),
  setConversationSettings: (conversationId: string, notify: Notify, mutedUntil: string | null) =>
    invoke('set_conversation_settings', { conversationId, notify, mutedUntil }),
  search: (query: string, conversationId: string | null) => invoke('search', { query, conversationId }),
  searchServer: (query: string, conversationId: string | null) => invoke('search_server', { query, conversationId }),

  sessions: () => invoke('sessions'),
  revokeSession: (sessionId: string) => invoke('revoke_session', { sessionId }),
  getDraft: (conversationId: string) => invoke('get_draft', { conversationId }),
  setDraft: (conversationId: string, text: string) => invoke('set_draft', { conversationId, text }),
  settings: () => invoke('settings'),
  setSettings: (settings: Settings) => invoke('set_settings', { settings }),
  reconnectNow: () => invoke('reconnect_now'),
};
