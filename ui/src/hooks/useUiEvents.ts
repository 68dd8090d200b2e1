import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { subscribe } from '../ipc';
import { applyUiEvents } from '../queries/events';

/** Subscribes to `parley://events` for the lifetime of the app. */
export function useUiEvents(): void {
  const queryClient = useQueryClient();
  useEffect(() => subscribe((batch) => applyUiEvents(queryClient, batch)), [queryClient]);
}
