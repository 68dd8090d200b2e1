import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands, type Notify, type Role } from '../ipc';
import { keys } from '../queries/keys';

/** A change to a conversation that the server answers with its new state: the list reloads. */
function useConversationChange<T>(change: (args: T) => Promise<void>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.conversations }),
  });
}

/** Group name, members and roles, leaving, and the account's own notification settings. */
export function useConversationAdmin(conversationId: string) {
  return {
    rename: useConversationChange((title: string) => commands.renameConversation(conversationId, title)),
    add: useConversationChange((userId: string) => commands.addMember(conversationId, userId)),
    remove: useConversationChange((userId: string) => commands.removeMember(conversationId, userId)),
    setRole: useConversationChange(({ userId, role }: { userId: string; role: Role }) =>
      commands.setRole(conversationId, userId, role)),
    settings: useConversationChange(({ notify, mutedUntil }: { notify: Notify; mutedUntil: string | null }) =>
      commands.setConversationSettings(conversationId, notify, mutedUntil)),
  };
}
