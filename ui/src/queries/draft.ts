import { queryOptions } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from './keys';

export const draftOptions = (conversationId: string) =>
  queryOptions({ queryKey: keys.draft(conversationId), queryFn: () => commands.getDraft(conversationId) });
