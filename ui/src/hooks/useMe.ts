import { useQuery } from '@tanstack/react-query';
import type { User } from '../ipc';
import { sessionStateOptions } from '../queries/session';

/** The signed-in user (null while loading or signed out). */
export function useMe(): User | null {
  return useQuery(sessionStateOptions()).data?.user ?? null;
}
