import { useQuery } from '@tanstack/react-query';
import { errorMessage, type Settings, type Theme } from '../ipc';
import { useSetSettings } from '../hooks/useSetSettings';
import { settingsOptions } from '../queries/session';

const THEMES: { value: Theme; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** Theme and window behaviour, saved through `set_settings`. */
export function AppearanceSection() {
  const settings = useQuery(settingsOptions());
  const set = useSetSettings();
  const current = settings.data;
  const update = (patch: Partial<Settings>) => current && set.mutate({ ...current, ...patch });

  return (
    <section className="settings-section" aria-labelledby="settings-appearance">
      <h3 id="settings-appearance">Appearance and window</h3>
      {settings.isError && <p className="form-error" role="alert">{errorMessage(settings.error)}</p>}
      <fieldset className="theme-field" disabled={!current}>
        <legend>Theme</legend>
        <div className="segmented">
          {THEMES.map((t) => (
            <label key={t.value} className={current?.theme === t.value ? 'segment checked' : 'segment'}>
              <input type="radio" name="theme" value={t.value} checked={current?.theme === t.value}
                onChange={() => update({ theme: t.value })} />
              {t.label}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="toggle-row">
        <input type="checkbox" checked={current?.close_to_tray ?? false} disabled={!current}
          onChange={(e) => update({ close_to_tray: e.target.checked })} />
        <span>
          Close to tray
          <span className="muted small block">Keep Parley running in the tray when its window is closed.</span>
        </span>
      </label>
      {set.isError && <p className="form-error" role="alert">{errorMessage(set.error)}</p>}
    </section>
  );
}
