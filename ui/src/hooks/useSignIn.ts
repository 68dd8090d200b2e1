import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands } from '../ipc';

export interface Credentials {
  server: string;
  username: string;
  password: string;
}

/** Signs in (or, with `create`, registers) and reloads everything for the new account. */
export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ create, server, username, password, displayName = null }: Credentials & { create: boolean; displayName?: string | null }) =>
      create
        ? commands.createAccount(server, username, password, displayName)
        : commands.signIn(server, username, password),
    onSuccess: () => queryClient.resetQueries(),
  });
}
