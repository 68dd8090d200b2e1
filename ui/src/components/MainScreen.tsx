import { useEffect, useState } from 'react';
import { useSelectedConversation, openConversation } from '../state/navigation';
import { ConversationView } from './ConversationView';
import { EmptyConversation } from './EmptyConversation';
import { NewConversationDialog } from './NewConversationDialog';
import { SettingsDialog } from './SettingsDialog';
import { Sidebar } from './Sidebar';

/** Sidebar plus the open conversation; on narrow windows one of the two at a time. */
export function MainScreen() {
  usePreventFileNavigation();
  const selected = useSelectedConversation();
  const [dialog, setDialog] = useState<'new' | 'settings' | null>(null);
  return (
    <div className={selected ? 'layout has-selection' : 'layout'}>
      <Sidebar onNewConversation={() => setDialog('new')} onSettings={() => setDialog('settings')} />
      <main className="main-pane">
        {selected ? (
          <ConversationView key={selected} conversationId={selected} onBack={() => openConversation(null)} />
        ) : (
          <EmptyConversation />
        )}
      </main>
      {dialog === 'new' && <NewConversationDialog onClose={() => setDialog(null)} />}
      {dialog === 'settings' && <SettingsDialog onClose={() => setDialog(null)} />}
    </div>
  );
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
