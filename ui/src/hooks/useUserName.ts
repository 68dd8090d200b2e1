import { useQuery } from '@tanstack/react-query';
import { userOptions } from '../queries/users';

/** A display name for a user id from the cached profile; a neutral fallback until it loads. */
export function useUserName(id: string): string {
  const user = useQuery(userOptions(id)).data;
  return user?.display_name || user?.username || 'Unknown user';
}
