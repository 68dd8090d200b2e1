import { createStore, useStore } from './createStore';

/** The conversation a search is limited to (from its header's `Search in conversation`). */
export interface SearchScope {
  conversationId: string;
  title: string;
}

export const searchScopeStore = createStore<SearchScope | null>(null);

export function useSearchScope(): SearchScope | null {
  return useStore(searchScopeStore);
}

/** Limits the sidebar's search to one conversation and puts the cursor in the search box. */
export function searchIn(scope: SearchScope | null): void {
  searchScopeStore.set(scope);
  focusSearch();
}

export function focusSearch(): void {
  const box = document.querySelector<HTMLInputElement>('input[type="search"][aria-label="Search"]');
  box?.focus();
  box?.select();
}
