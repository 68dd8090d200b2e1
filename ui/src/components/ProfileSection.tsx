import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { commands, errorMessage, type User } from '../ipc';
import { useMe } from '../hooks/useMe';
import { keys } from '../queries/keys';

/** Display name, whether others see when you are online, and the password. */
export function ProfileSection() {
  const me = useMe();
  const queryClient = useQueryClient();
  const profile = useMutation({
    mutationFn: ({ displayName, showPresence }: { displayName: string | null; showPresence: boolean | null }) =>
      commands.updateProfile(displayName, showPresence),
    onSuccess: (user: User) => {
      void queryClient.invalidateQueries({ queryKey: keys.session });
      void queryClient.invalidateQueries({ queryKey: keys.user(user.id) });
    },
  });
  const [changing, setChanging] = useState(false);
  const ids = { name: useId() };

  return (
    <section className="settings-section" aria-labelledby="settings-profile">
      <h3 id="settings-profile">Profile</h3>
      {me && (
        <DisplayName key={me.display_name} current={me.display_name} pending={profile.isPending} id={ids.name}
          onSave={(displayName) => profile.mutate({ displayName, showPresence: null })} />
      )}
      <label className="toggle-row">
        <input type="checkbox" checked={me?.show_presence ?? true} disabled={!me || profile.isPending}
          onChange={(e) => profile.mutate({ displayName: null, showPresence: e.target.checked })} />
        <span>Show when I'm online</span>
      </label>
      {profile.isError && <p className="form-error" role="alert">{errorMessage(profile.error)}</p>}
      <p className="muted small" aria-live="polite">{profile.isSuccess ? 'Saved.' : ''}</p>
      {changing ? <ChangePassword onDone={() => setChanging(false)} /> : (
        <button type="button" onClick={() => setChanging(true)}>Change password</button>
      )}
    </section>
  );
}

function DisplayName({ current, pending, id, onSave }: {
  current: string;
  pending: boolean;
  id: string;
  onSave: (name: string) => void;
}) {
  const [value, setValue] = useState(current);
  function submit(e: FormEvent) {
    e.preventDefault();
    if (value.trim() && value !== current) onSave(value.trim());
  }
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={id}>Display name</label>
      <input id={id} value={value} onChange={(e) => setValue(e.target.value)} maxLength={64} required />
      <button type="submit" disabled={pending || !value.trim() || value.trim() === current}>Save profile</button>
    </form>
  );
}

function ChangePassword({ onDone }: { onDone: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const ids = { current: useId(), next: useId() };
  const change = useMutation({
    mutationFn: () => commands.changePassword(current, next),
    onSuccess: onDone,
  });
  const tooShort = next.length > 0 && new TextEncoder().encode(next).length < 8;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!current || tooShort || !next) return;
    change.mutate();
  }
  return (
    <form className="nested-form stack" onSubmit={submit}>
      <label htmlFor={ids.current}>Current password</label>
      <input id={ids.current} type="password" value={current} autoComplete="current-password"
        onChange={(e) => setCurrent(e.target.value)} required autoFocus />
      <label htmlFor={ids.next}>New password</label>
      <input id={ids.next} type="password" value={next} autoComplete="new-password"
        onChange={(e) => setNext(e.target.value)} required minLength={8} />
      {tooShort && <p className="muted small">At least 8 characters.</p>}
      <p className="muted small">Your other devices will be signed out.</p>
      {change.isError && <p className="form-error" role="alert">{errorMessage(change.error)}</p>}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={change.isPending || !current || !next || tooShort}>Save password</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}
