import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../ipc';
import { useSignOut } from '../hooks/useSignOut';
import { useSwitchAccount } from '../hooks/useSwitchAccount';
import { sessionStateOptions } from '../queries/session';
import { Avatar } from './Avatar';
import { SignInForm } from './SignInForm';

/** Signed-in accounts: switch between them, add one, or sign the active one out. */
export function AccountsSection({ onSignedOut }: { onSignedOut: () => void }) {
  const session = useQuery(sessionStateOptions()).data;
  const switchAccount = useSwitchAccount();
  const signOut = useSignOut();
  const [adding, setAdding] = useState(false);
  const error = switchAccount.error ?? signOut.error;

  return (
    <section className="settings-section" aria-labelledby="settings-accounts">
      <h3 id="settings-accounts">Accounts</h3>
      <ul className="settings-list">
        {session?.accounts.map((a) => {
          const active = a.label === session.active;
          return (
            <li key={a.label} className="settings-row">
              <Avatar name={a.username} id={a.user_id} size={30} />
              <span className="grow">
                <span className="strong">{a.label}</span>
                <span className="muted small block">{a.server}</span>
              </span>
              {!active && a.unread > 0 && <span className="badge" aria-label={`${a.unread} unread`}>{a.unread}</span>}
              {active ? (
                <span className="pill">Active</span>
              ) : (
                <button type="button" onClick={() => switchAccount.mutate(a.label)} disabled={switchAccount.isPending}
                  aria-label={`Switch to ${a.label}`}>
                  Switch
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {error && <p className="form-error" role="alert">{errorMessage(error)}</p>}
      {adding ? (
        <div className="nested-form">
          <SignInForm onDone={() => setAdding(false)} />
          <button type="button" className="link-button" onClick={() => setAdding(false)}>Cancel</button>
        </div>
      ) : (
        <div className="form-actions">
          <button type="button" onClick={() => setAdding(true)}>Add account</button>
          <button type="button" className="danger" onClick={() => signOut.mutate(undefined, { onSuccess: onSignedOut })}
            disabled={signOut.isPending}>
            Sign out
          </button>
        </div>
      )}
    </section>
  );
}
