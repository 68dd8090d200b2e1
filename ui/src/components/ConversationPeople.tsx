import type { ReactNode } from 'react';
import { useConversationPeople } from '../hooks/useConversationPeople';
import { PeopleContext } from '../hooks/usePersonLabel';

/** Makes a conversation's members known to the names shown inside it (`usePersonLabel`). */
export function ConversationPeople({ conversationId, children }: { conversationId: string; children: ReactNode }) {
  return <PeopleContext value={useConversationPeople(conversationId)}>{children}</PeopleContext>;
}
