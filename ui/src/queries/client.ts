import { QueryClient } from '@tanstack/react-query';

/**
 * Queries read the local cache over IPC, so they must run whatever the OS thinks of the
 * network: TanStack's default `networkMode: 'online'` would pause them offline. Data changes
 * only through engine events (which invalidate), so nothing goes stale on a timer, and a
 * failed local read is not worth retrying.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        networkMode: 'always',
        staleTime: Infinity,
        retry: false,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      },
      mutations: { networkMode: 'always', retry: false },
    },
  });
}
