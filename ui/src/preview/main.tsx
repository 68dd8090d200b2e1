// Entry of preview.html: the real App over a fake shell, for screenshots and manual checks
// in a plain browser. Built only by `npm run build:preview` (into dist-preview/).
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from '../components/App';
import { setTransport, type ConnectionState, type Settings } from '../ipc';
import { createQueryClient } from '../queries/client';
import { openConversation } from '../state/navigation';
import { fakeTransport } from './fakeTransport';
import '../styles/app.css';

const params = new URLSearchParams(location.search);
setTransport(
  fakeTransport({
    signedIn: params.get('screen') !== 'signin',
    connection: (params.get('state') as ConnectionState | null) ?? 'Online',
    theme: (params.get('theme') as Settings['theme'] | null) ?? 'system',
    bigCount: Number(params.get('big') ?? 100_000),
  }),
);
openConversation(params.get('open'));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={createQueryClient()}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
