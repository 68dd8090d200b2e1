import { useQuery } from '@tanstack/react-query';
import { Suspense, useEffect, useState } from 'react';
import { afterPaint, lazyComponent } from '../lib/lazy';
import { conversationsOptions } from '../queries/conversations';
import { useSelectedConversation, openConversation } from '../state/navigation';
import { EmptyConversation } from './EmptyConversation';
import { Sidebar } from './Sidebar';

// Not needed to paint the cached conversation list: loaded on demand, and preloaded once
// the list is on screen.
const ConversationView = lazyComponent(() => import('./ConversationView').then((m) => m.ConversationView));
const NewConversationDialog = lazyComponent(() => import('./NewConversationDialog').then((m) => m.NewConversationDialog));
const SettingsDialog = lazyComponent(() => import('./SettingsDialog').then((m) => m.SettingsDialog));

/** Sidebar plus the open conversation; on narrow windows one of the two at a time. */
export function MainScreen() {
  usePreventFileNavigation();
  usePreloadAfterList();
  const selected = useSelectedConversation();
  const [dialog, setDialog] = useState<'new' | 'settings' | null>(null);
  return (
    <div className={selected ? 'layout has-selection' : 'layout'}>
      <Sidebar onNewConversation={() => setDialog('new')} onSettings={() => setDialog('settings')} />
      <main className="main-pane">
        {selected ? (
          <Suspense fallback={<section className="conversation" aria-busy="true" />}>
            <ConversationView key={selected} conversationId={selected} onBack={() => openConversation(null)} />
          </Suspense>
        ) : (
          <EmptyConversation />
        )}
      </main>
      <Suspense fallback={null}>
        {dialog === 'new' && <NewConversationDialog onClose={() => setDialog(null)} />}
        {dialog === 'settings' && <SettingsDialog onClose={() => setDialog(null)} />}
      </Suspense>
    </div>
  );
}

/** Fetch the lazy parts once the conversation list is painted, so opening a chat never waits. */
function usePreloadAfterList() {
  const listed = useQuery({ ...conversationsOptions(), select: () => true }).isSuccess;
  useEffect(() => {
    if (!listed) return;
    return afterPaint(() => {
      void ConversationView.preload().then(() => Promise.all([SettingsDialog.preload(), NewConversationDialog.preload()]));
    });
  }, [listed]);
}

/**
 * A file dropped anywhere but on a conversation must not replace the app with that file (a
 * webview navigates to dropped files by default); the conversation view handles its own drops.
 */
function usePreventFileNavigation() {
  useEffect(() => {
    const stop = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', stop);
    window.addEventListener('drop', stop);
    return () => {
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    };
  }, []);
}
