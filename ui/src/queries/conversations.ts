import { queryOptions } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from './keys';

export const conversationsOptions = () =>
  queryOptions({ queryKey: keys.conversations, queryFn: commands.conversations });
