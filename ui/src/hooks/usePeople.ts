import { useQueries, type UseQueryResult } from '@tanstack/react-query';
import type { User } from '../ipc';
import { userOptions } from '../queries/users';

// Module-level so TanStack keeps the combined array while no profile changes (a stable
// context value, so memoized message rows don't re-render).
const loaded = (results: UseQueryResult<User | null>[]): readonly User[] =>
  results.flatMap((r) => (r.data ? [r.data] : []));

/** The cached profiles of `ids`, in order, leaving out those not (yet) known. */
export function usePeople(ids: readonly string[]): readonly User[] {
  return useQueries({ queries: ids.map((id) => userOptions(id)), combine: loaded });
}
