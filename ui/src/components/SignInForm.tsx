import { useId, useState, type FormEvent, type MouseEvent } from 'react';
import { errorMessage } from '../ipc';
import { useSignIn } from '../hooks/useSignIn';
import { isInsecureServerUrl, loadServerUrl, saveServerUrl } from '../lib/serverUrl';

/**
 * Server URL, username and password; `Sign in` or `Create account` with the same fields.
 * A plain-http server off this computer gets a warning and needs `Connect without
 * encryption` ticked first — for that exact URL, so editing it asks again.
 */
export function SignInForm({ onDone }: { onDone?: () => void }) {
  const [server, setServer] = useState(loadServerUrl);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [unencryptedOk, setUnencryptedOk] = useState<string | null>(null);
  const signIn = useSignIn();
  const ids = { server: useId(), user: useId(), pass: useId(), name: useId(), nameHint: useId(), warning: useId() };
  const insecure = isInsecureServerUrl(server);
  const confirmed = !insecure || unencryptedOk === server.trim();

  function submit(create: boolean) {
    if (!confirmed) return; // the required checkbox has already said why
    saveServerUrl(server.trim());
    signIn.mutate(
      { create, server: server.trim(), username: username.trim(), password, displayName: displayName.trim() || null },
      { onSuccess: () => onDone?.() },
    );
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    submit(false);
  }

  // Enter in a field signs in; `Create account` is a second action over the same fields.
  function onCreate(e: MouseEvent<HTMLButtonElement>) {
    if (e.currentTarget.form?.reportValidity() === false) return;
    submit(true);
  }

  return (
    <form className="sign-in-form" onSubmit={onSubmit} aria-busy={signIn.isPending}>
      <label htmlFor={ids.server}>Server URL</label>
      <input id={ids.server} type="url" value={server} onChange={(e) => setServer(e.target.value)} required
        autoComplete="url" spellCheck={false} aria-describedby={insecure ? ids.warning : undefined} />
      {/* Described-by rather than role="alert": it appears while the URL is typed, where an
          alert would interrupt at every keystroke; the checkbox reads it out as well. */}
      {insecure && (
        <>
          <p id={ids.warning} className="form-warning">
            This address starts with http://, not https://: your password and messages would travel
            unencrypted, and anyone on the network could read them.
          </p>
          <label className="checkbox-row">
            <input type="checkbox" checked={confirmed} required aria-describedby={ids.warning}
              onChange={(e) => setUnencryptedOk(e.target.checked ? server.trim() : null)} />
            Connect without encryption
          </label>
        </>
      )}
      <label htmlFor={ids.user}>Username</label>
      <input id={ids.user} value={username} onChange={(e) => setUsername(e.target.value)} required
        autoComplete="username" autoCapitalize="none" spellCheck={false} autoFocus />
      <label htmlFor={ids.pass}>Password</label>
      <input id={ids.pass} type="password" value={password} onChange={(e) => setPassword(e.target.value)} required
        autoComplete="current-password" />
      <label htmlFor={ids.name}>Display name</label>
      <input id={ids.name} value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={64}
        autoComplete="name" aria-describedby={ids.nameHint} />
      <p id={ids.nameHint} className="muted small">For a new account (optional): how others see you.</p>
      {signIn.isError && (
        <p className="form-error" role="alert">{errorMessage(signIn.error)}</p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={signIn.isPending}>Sign in</button>
        <button type="button" onClick={onCreate} disabled={signIn.isPending}>Create account</button>
      </div>
    </form>
  );
}
