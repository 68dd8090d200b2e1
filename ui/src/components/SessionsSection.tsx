import { useQuery } from '@tanstack/react-query';
import { errorMessage } from '../ipc';
import { useRevokeSession } from '../hooks/useRevokeSession';
import { formatFull, formatListTime } from '../lib/format';
import { sessionsOptions } from '../queries/session';

/** The active account's sessions on the server; any but this one can be revoked. */
export function SessionsSection() {
  const sessions = useQuery(sessionsOptions());
  const revoke = useRevokeSession();
  return (
    <section className="settings-section" aria-labelledby="settings-sessions">
      <h3 id="settings-sessions">Sessions</h3>
      {sessions.isPending && <p className="muted">Loading sessions…</p>}
      {sessions.isError && <p className="form-error" role="alert">{errorMessage(sessions.error)}</p>}
      <ul className="settings-list">
        {sessions.data?.map((s) => (
          <li key={s.session_id} className="settings-row">
            <span className="grow">
              <span className="strong">{s.device_name || 'Unnamed device'}</span>
              <span className="muted small block" title={formatFull(s.last_seen_at)}>
                Last seen {formatListTime(s.last_seen_at)} · signed in {formatListTime(s.created_at)}
              </span>
            </span>
            {s.current ? (
              <span className="pill">This device</span>
            ) : (
              <button type="button" className="danger" onClick={() => revoke.mutate(s.session_id)}
                disabled={revoke.isPending} aria-label={`Revoke ${s.device_name || 'session'}`}>
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
      {revoke.isError && <p className="form-error" role="alert">{errorMessage(revoke.error)}</p>}
    </section>
  );
}
