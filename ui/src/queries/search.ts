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
