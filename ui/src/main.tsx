import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { applyStoredTheme } from './lib/theme';
import { createQueryClient } from './queries/client';
import { conversationsOptions } from './queries/conversations';
import { sessionStateOptions } from './queries/session';
import './styles/app.css';

applyStoredTheme();
const queryClient = createQueryClient();
// The first screen's two reads, asked for at once rather than one after the other (the list
// would otherwise wait for the session's answer and a render before asking): signed in, the
// cached list is ready when the main screen mounts; signed out, the list's read fails and is
// asked again once someone signs in (a query that failed is re-read when it is next used).
void queryClient.prefetchQuery(sessionStateOptions());
void queryClient.prefetchQuery(conversationsOptions());
// Hidden (in the tray, minimized): let go of what no screen shows; it is read again from the
// engine's cache when needed.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') queryClient.removeQueries({ type: 'inactive' });
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
