import { queryOptions } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from './keys';

/** A cached profile (sender names). Profiles rarely change: keep them for the session. */
export const userOptions = (id: string) =>
  queryOptions({ queryKey: keys.user(id), queryFn: () => commands.user(id), gcTime: Infinity });

export const findUsersOptions = (query: string) =>
  queryOptions({
    queryKey: keys.findUsers(query),
    queryFn: () => commands.findUsers(query),
    enabled: query.trim().length > 0,
    staleTime: 30_000,
  });
