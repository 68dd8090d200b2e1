import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Suspense, useEffect, useState } from 'react';
import { afterPaint, lazyComponent } from '../lib/lazy';
import { neighbour, nextUnread, shortcutOf } from '../lib/shortcuts';
import { conversationsOptions } from '../queries/conversations';
import { selectedConversationStore, useSelectedConversation, openConversation } from '../state/navigation';
import { focusSearch } from '../state/search';
import { EmptyConversation } from './EmptyConversation';
import { Sidebar } from './Sidebar';

// Not needed to paint the cached conversation list: loaded on demand, and preloaded once
// the list is on screen.
const ConversationView = lazyComponent(() => import('./ConversationView').then((m) => m.ConversationView));
const NewConversationDialog = lazyComponent(() => import('./NewConversationDialog').then((m) => m.NewConversationDialog));
const SettingsDialog = lazyComponent(() => import('./SettingsDialog').then((m) => m.SettingsDialog));
const JumpDialog = lazyComponent(() => import('./JumpDialog').then((m) => m.JumpDialog));
const ShortcutsDialog = lazyComponent(() => import('./ShortcutsDialog').then((m) => m.ShortcutsDialog));

type DialogName = 'new' | 'settings' | 'jump' | 'shortcuts';

/** Sidebar plus the open conversation; on narrow windows one of the two at a time. */
export function MainScreen() {
  usePreventFileNavigation();
  usePreloadAfterList();
  const selected = useSelectedConversation();
  const [dialog, setDialog] = useState<DialogName | null>(null);
  useShortcuts(dialog, setDialog);
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
        {dialog === 'jump' && <JumpDialog onClose={() => setDialog(null)} />}
        {dialog === 'shortcuts' && <ShortcutsDialog onClose={() => setDialog(null)} />}
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
 * The app-wide keyboard shortcuts (`lib/shortcuts`): `Ctrl+K` and `Ctrl+/` open their dialogs
 * (from anywhere, the composer included), `Ctrl+F` focuses `Search`, `Alt+↑/↓` go to the
 * previous/next conversation and `Alt+Shift+↓` to the next unread one. While another dialog is
 * open only its own keys apply.
 */
function useShortcuts(dialog: DialogName | null, setDialog: (d: DialogName | null) => void) {
  const client = useQueryClient();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const shortcut = shortcutOf(e);
      if (!shortcut || e.defaultPrevented || e.isComposing) return;
      const ours = dialog === 'jump' || dialog === 'shortcuts';
      const modal = document.querySelector('[role="dialog"][aria-modal="true"]') !== null;
      if (modal && !(ours && (shortcut === 'jump' || shortcut === 'shortcuts'))) return;
      e.preventDefault();
      const list = client.getQueryData(conversationsOptions().queryKey) ?? [];
      const selected = selectedConversationStore.get();
      switch (shortcut) {
        case 'jump':
        case 'shortcuts':
          setDialog(dialog === shortcut ? null : shortcut);
          return;
        case 'search':
          setDialog(null);
          focusSearch();
          return;
        case 'next':
        case 'previous':
          openConversation(neighbour(list, selected, shortcut === 'next' ? 1 : -1) ?? selected);
          return;
        case 'next-unread': {
          const next = nextUnread(list, selected);
          if (next) openConversation(next);
          return;
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [client, dialog, setDialog]);
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
