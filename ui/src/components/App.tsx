import { useQuery } from '@tanstack/react-query';
import { Suspense, useEffect } from 'react';
import { commands, errorMessage } from '../ipc';
import { useUiEvents } from '../hooks/useUiEvents';
import { lazyComponent } from '../lib/lazy';
import { applyTheme } from '../lib/theme';
import { sessionStateOptions, settingsOptions } from '../queries/session';
import { connectionFromSnapshot } from '../state/connection';
import { MainScreen } from './MainScreen';

// Signed-in starts (the common case) never need the sign-in form.
const SignInScreen = lazyComponent(() => import('./SignInScreen').then((m) => m.SignInScreen));

/** Signed in → the main screen, else the sign-in screen; plus the app-wide effects. */
export function App() {
  useUiEvents();
  useReconnectOnFocus();
  const session = useQuery(sessionStateOptions());
  const theme = useQuery(settingsOptions()).data?.theme;
  useEffect(() => {
    if (theme) applyTheme(theme);
  }, [theme]);
  const connection = session.data?.connection;
  useEffect(() => {
    if (connection) connectionFromSnapshot(connection);
  }, [connection]);

  const splash = <div className="splash" aria-busy="true">Loading…</div>;
  if (session.isPending) return splash;
  if (session.isError) {
    return (
      <main className="splash">
        <p className="form-error" role="alert">{errorMessage(session.error)}</p>
      </main>
    );
  }
  if (session.data.active) return <MainScreen key={session.data.active} />;
  return <Suspense fallback={splash}><SignInScreen /></Suspense>;
}

/** Returning to the window is a good moment to retry the connection at once. */
function useReconnectOnFocus() {
  useEffect(() => {
    const onFocus = () => void commands.reconnectNow().catch(() => undefined);
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, []);
}
