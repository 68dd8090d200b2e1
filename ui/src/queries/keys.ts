/** Every query key in one place, so event handlers and hooks agree on them. */
export const keys = {
  session: ['session'] as const,
  conversations: ['conversations'] as const,
  messages: (conversationId: string) => ['messages', conversationId] as const,
  user: (id: string) => ['user', id] as const,
  findUsers: (query: string) => ['findUsers', query] as const,
  search: (query: string, conversationId: string | null) => ['search', query, conversationId] as const,
  serverSearch: (query: string, conversationId: string | null) => ['serverSearch', query, conversationId] as const,
  sessions: ['sessions'] as const,
  settings: ['settings'] as const,
  downloads: ['downloads'] as const,
  draft: (conversationId: string) => ['draft', conversationId] as const,
  thumbnail: (attachmentId: string) => ['thumbnail', attachmentId] as const,
  image: (attachmentId: string) => ['image', attachmentId] as const,
};
