import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useId, useState, type FormEvent } from 'react';
import { errorMessage, type User } from '../ipc';
import { useCreateConversation } from '../hooks/useCreateConversation';
import { useMe } from '../hooks/useMe';
import { findUsersOptions } from '../queries/users';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';

const nameOf = (u: User) => u.display_name || u.username;

/** Find people; one picked → a direct conversation, several plus a title → a group. */
export function NewConversationDialog({ onClose }: { onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [picked, setPicked] = useState<User[]>([]);
  const [title, setTitle] = useState('');
  const deferred = useDeferredValue(query.trim());
  const found = useQuery(findUsersOptions(deferred));
  const me = useMe();
  const create = useCreateConversation();
  const ids = { find: useId(), title: useId() };
  const group = picked.length > 1;

  function toggle(u: User) {
    setPicked((p) => (p.some((x) => x.id === u.id) ? p.filter((x) => x.id !== u.id) : [...p, u]));
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (picked.length === 0 || (group && !title.trim())) return;
    create.mutate(
      { kind: group ? 'group' : 'direct', title: group ? title.trim() : null, memberIds: picked.map((u) => u.id) },
      { onSuccess: onClose },
    );
  }

  const results = (found.data ?? []).filter((u) => u.id !== me?.id);
  return (
    <Dialog title="New conversation" onClose={onClose}>
      <form className="stack" onSubmit={onSubmit}>
        <label htmlFor={ids.find}>Find people</label>
        <input id={ids.find} type="search" value={query} onChange={(e) => setQuery(e.target.value)}
          placeholder="Username or name" autoComplete="off" autoFocus />
        {picked.length > 0 && (
          <ul className="chips" aria-label="Selected people">
            {picked.map((u) => (
              <li key={u.id}>
                <button type="button" className="chip" onClick={() => toggle(u)} aria-label={`Remove ${nameOf(u)}`}>
                  {nameOf(u)} <span aria-hidden="true">×</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <div className="user-results" aria-live="polite">
          {found.isFetching && <p className="muted">Searching…</p>}
          {found.isError && <p className="form-error" role="alert">{errorMessage(found.error)}</p>}
          {deferred && found.isSuccess && results.length === 0 && <p className="muted">Nobody found.</p>}
          {results.length > 0 && (
            <ul className="user-list" aria-label="People">
              {results.map((u) => {
                const on = picked.some((x) => x.id === u.id);
                return (
                  <li key={u.id}>
                    <label className="user-row">
                      <input type="checkbox" checked={on} onChange={() => toggle(u)} />
                      <Avatar name={nameOf(u)} id={u.id} size={28} />
                      <span>{nameOf(u)} <span className="muted">@{u.username}</span></span>
                    </label>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
        {group && (
          <>
            <label htmlFor={ids.title}>Group title</label>
            <input id={ids.title} value={title} onChange={(e) => setTitle(e.target.value)} required />
          </>
        )}
        {create.isError && <p className="form-error" role="alert">{errorMessage(create.error)}</p>}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={picked.length === 0 || create.isPending}>
            {group ? 'Create group' : 'Start conversation'}
          </button>
          <button type="button" onClick={onClose}>Cancel</button>
        </div>
      </form>
    </Dialog>
  );
}
