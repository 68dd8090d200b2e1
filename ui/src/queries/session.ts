import { queryOptions } from '@tanstack/react-query';
import { commands } from '../ipc';
import { keys } from './keys';

export const sessionStateOptions = () =>
  queryOptions({ queryKey: keys.session, queryFn: commands.sessionState });

export const sessionsOptions = () => queryOptions({ queryKey: keys.sessions, queryFn: commands.sessions });

export const settingsOptions = () => queryOptions({ queryKey: keys.settings, queryFn: commands.settings });
