import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { applyStoredTheme } from './lib/theme';
import { createQueryClient } from './queries/client';
import './styles/app.css';

applyStoredTheme();
const queryClient = createQueryClient();
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
