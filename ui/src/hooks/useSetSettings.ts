import { useMutation, useQueryClient } from '@tanstack/react-query';
import { commands, type Settings } from '../ipc';
import { keys } from '../queries/keys';

/** Saves settings, showing the new value at once and rolling back if the shell refuses. */
export function useSetSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (settings: Settings) => commands.setSettings(settings),
    onMutate: (settings) => {
      const previous = queryClient.getQueryData<Settings>(keys.settings);
      queryClient.setQueryData(keys.settings, settings);
      return { previous };
    },
    onError: (_err, _settings, context) => {
      if (context?.previous) queryClient.setQueryData(keys.settings, context.previous);
    },
  });
}
