import { useId, useState, type FormEvent, type MouseEvent } from 'react';
import { errorMessage } from '../ipc';
import { useSignIn } from '../hooks/useSignIn';
import { loadServerUrl, saveServerUrl } from '../lib/serverUrl';

/** Server URL, username and password; `Sign in` or `Create account` with the same fields. */
export function SignInForm({ onDone }: { onDone?: () => void }) {
  const [server, setServer] = useState(loadServerUrl);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useSignIn();
  const ids = { server: useId(), user: useId(), pass: useId() };

  function submit(create: boolean) {
    saveServerUrl(server.trim());
    signIn.mutate(
      { create, server: server.trim(), username: username.trim(), password },
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
        autoComplete="url" spellCheck={false} />
      <label htmlFor={ids.user}>Username</label>
      <input id={ids.user} value={username} onChange={(e) => setUsername(e.target.value)} required
        autoComplete="username" autoCapitalize="none" spellCheck={false} autoFocus />
      <label htmlFor={ids.pass}>Password</label>
      <input id={ids.pass} type="password" value={password} onChange={(e) => setPassword(e.target.value)} required
        autoComplete="current-password" />
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
