import { Suspense, useState } from 'react';
import { lazyComponent } from '../lib/lazy';
import { searchScopeStore, useSearchScope } from '../state/search';
import { BackfillProgress } from './BackfillProgress';
import { ConnectionStatus } from './ConnectionStatus';
import { ConversationList } from './ConversationList';
import { Icon } from './Icon';
import { OtherAccounts } from './OtherAccounts';

const SearchResults = lazyComponent(() => import('./SearchResults').then((m) => m.SearchResults));

/** The `Conversations` landmark: search, new conversation, settings, and the list. */
export function Sidebar({ onNewConversation, onSettings }: { onNewConversation: () => void; onSettings: () => void }) {
  const [filter, setFilter] = useState('');
  const [searched, setSearched] = useState<string | null>(null);
  const scope = useSearchScope();

  function onKeyDown(e: React.KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Enter' && filter.trim()) {
      e.preventDefault();
      setSearched(filter.trim());
    } else if (e.key === 'Escape' && (filter || searched || scope)) {
      e.preventDefault();
      clear();
    }
  }

  function clear() {
    setFilter('');
    setSearched(null);
    searchScopeStore.set(null);
  }

  return (
    <nav className="sidebar" aria-label="Conversations">
      <header className="sidebar-header">
        <div className="brand small">
          <span className="brand-mark" aria-hidden="true">P</span>
          <span className="brand-name">Parley</span>
        </div>
        <ConnectionStatus />
        <button type="button" className="icon-button" aria-label="Settings" title="Settings" onClick={onSettings}>
          <Icon name="settings" />
        </button>
      </header>
      <OtherAccounts />
      <BackfillProgress />
      <div className="sidebar-tools">
        <div className="search-field">
          <Icon name="search" size={16} />
          <input
            type="search"
            aria-label="Search"
            placeholder={scope ? `Search in ${scope.title}` : 'Search'}
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value);
              if (!e.target.value) setSearched(null);
            }}
            onKeyDown={onKeyDown}
          />
        </div>
        <button type="button" className="icon-button filled" aria-label="New conversation" title="New conversation"
          onClick={onNewConversation}>
          <Icon name="plus" />
        </button>
      </div>
      {scope && (
        <div className="search-scope">
          <span className="pill">in {scope.title}</span>
          <button type="button" className="link-button" onClick={() => searchScopeStore.set(null)}>Search everywhere</button>
        </div>
      )}
      <div className="sidebar-scroll">
        {searched ? (
          <Suspense fallback={<p className="muted pad">Searching…</p>}>
            <SearchResults query={searched} scope={scope} onClose={clear} />
          </Suspense>
        ) : <ConversationList filter={filter} />}
      </div>
    </nav>
  );
}
