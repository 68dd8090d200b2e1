import { useQuery } from '@tanstack/react-query';
import type { User } from '../ipc';
import { conversationsOptions } from '../queries/conversations';
import { usePeople } from './usePeople';

const NONE: readonly string[] = [];

/** The cached profiles of a conversation's current members. */
export function useConversationPeople(conversationId: string): readonly User[] {
  const ids = useQuery({
    ...conversationsOptions(),
    select: (all) => all.find((c) => c.conversation.id === conversationId)?.conversation.members.map((m) => m.user_id),
  }).data;
  return usePeople(ids ?? NONE);
}
