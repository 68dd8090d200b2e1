import { queryOptions } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from './keys';

export const searchOptions = (query: string, conversationId: string | null = null) =>
  queryOptions({
    queryKey: keys.search(query, conversationId),
    queryFn: () => commands.search(query, conversationId),
    enabled: query.trim().length > 0,
    staleTime: 0,
  });

/** The server's search, when online; merged with the local one (`mergeResults`). */
export const serverSearchOptions = (query: string, conversationId: string | null, online: boolean) =>
  queryOptions({
    queryKey: keys.serverSearch(query, conversationId),
    queryFn: () => commands.searchServer(query, conversationId),
    enabled: online && query.trim().length > 0,
    staleTime: 0,
    retry: false,
  });
