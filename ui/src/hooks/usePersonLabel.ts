import { useQuery } from '@tanstack/react-query';
import { createContext, useContext } from 'react';
import type { User } from '../ipc';
import { personLabel, UNKNOWN_PERSON, type PersonLabel } from '../lib/personLabel';
import { userOptions } from '../queries/users';

/**
 * The people of the conversation being shown, for spotting two of them with one display
 * name. Provided once per conversation (`ConversationPeople`) rather than looked up per
 * message row. Outside a provider only the name-vs-username rule applies.
 */
export const PeopleContext = createContext<readonly User[]>([]);

/** A person's display name and, when it could mislead, their `@username` (see `personLabel`). */
export function usePersonLabel(id: string): PersonLabel {
  const user = useQuery(userOptions(id)).data;
  const people = useContext(PeopleContext);
  return user ? personLabel(user, people) : UNKNOWN_PERSON;
}
