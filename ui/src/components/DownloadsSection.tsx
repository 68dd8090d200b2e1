import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { commands, errorMessage, type Settings } from '../ipc';
import { useSetSettings } from '../hooks/useSetSettings';
import { formatSize } from '../lib/format';
import { keys } from '../queries/keys';
import { settingsOptions } from '../queries/session';

const CAPS = [100, 500, 1024, 5 * 1024, 20 * 1024];

/**
 * Downloaded files: kept so they open again offline, at most `Keep up to` for each account
 * (the least recently opened go first); `Clear downloaded files` lets them all go.
 */
export function DownloadsSection() {
  const settings = useQuery(settingsOptions());
  const usage = useQuery({ queryKey: keys.downloads, queryFn: commands.downloads });
  const set = useSetSettings();
  const client = useQueryClient();
  const clear = useMutation({
    mutationFn: commands.clearDownloads,
    onSuccess: (left) => client.setQueryData(keys.downloads, left),
  });
  const capId = useId();
  const current = settings.data;
  const update = (patch: Partial<Settings>) => current && set.mutate({ ...current, ...patch }, {
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.downloads }),
  });
  const caps = current && !CAPS.includes(current.downloads_cap_mb) ? [...CAPS, current.downloads_cap_mb] : CAPS;

  return (
    <section className="settings-section" aria-labelledby="settings-downloads">
      <h3 id="settings-downloads">Downloaded files</h3>
      <p className="muted small">
        {usage.data
          ? `${usage.data.files} ${usage.data.files === 1 ? 'file' : 'files'}, ${formatSize(usage.data.bytes)}, kept to open offline.`
          : 'Files you open are kept to open again offline.'}
      </p>
      <div className="form-actions">
        <label htmlFor={capId}>Keep up to</label>
        <select id={capId} value={current?.downloads_cap_mb ?? 1024} disabled={!current}
          onChange={(e) => update({ downloads_cap_mb: Number(e.target.value) })}>
          {caps.map((mb) => <option key={mb} value={mb}>{formatSize(mb * 1024 * 1024)}</option>)}
        </select>
        <button type="button" onClick={() => clear.mutate()} disabled={clear.isPending || usage.data?.files === 0}>
          Clear downloaded files
        </button>
      </div>
      {(usage.isError || clear.isError || set.isError) && (
        <p className="form-error" role="alert">{errorMessage(usage.error ?? clear.error ?? set.error)}</p>
      )}
    </section>
  );
}
