import { useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { commands, type CachedMessage, type Reaction } from '../ipc';
import { keys } from '../queries/keys';
import { useMe } from './useMe';

type Toggle = { messageId: string; emoji: string; on: boolean };

/** `reactions` with `me`'s `emoji` reaction added or taken back. */
export function toggled(reactions: readonly Reaction[], emoji: string, me: string, on: boolean): Reaction[] {
  const out: Reaction[] = [];
  let found = false;
  for (const r of reactions) {
    if (r.emoji !== emoji) {
      out.push(r);
      continue;
    }
    found = true;
    const has = r.user_ids.includes(me);
    const users = on ? (has ? r.user_ids : [...r.user_ids, me]) : r.user_ids.filter((u) => u !== me);
    if (users.length > 0) out.push({ emoji, count: users.length, user_ids: users });
  }
  if (!found && on) out.push({ emoji, count: 1, user_ids: [me] });
  return out;
}

/**
 * Reacting: the chip changes at once (optimistic, before the engine's cache answers), the
 * engine queues it (offline too) and sends it; the server's events have the last word, and
 * a refusal (here or by the server) puts it back.
 */
export function useReact(conversationId: string) {
  const queryClient = useQueryClient();
  const me = useMe()?.id ?? null;
  const key = keys.messages(conversationId);
  return useMutation({
    mutationFn: ({ messageId, emoji, on }: Toggle) => commands.react(conversationId, messageId, emoji, on),
    onMutate: async ({ messageId, emoji, on }: Toggle) => {
      if (!me) return undefined;
      await queryClient.cancelQueries({ queryKey: key });
      const before = queryClient.getQueryData<InfiniteData<CachedMessage[]>>(key);
      queryClient.setQueryData<InfiniteData<CachedMessage[]>>(key, (data) => data && {
        ...data,
        pages: data.pages.map((page) => page.map((e) => (e.message.id === messageId
          ? { ...e, message: { ...e.message, reactions: toggled(e.message.reactions, emoji, me, on) } }
          : e))),
      });
      return { before };
    },
    onError: (_err, _vars, context) => {
      if (context?.before) queryClient.setQueryData(key, context.before);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}
