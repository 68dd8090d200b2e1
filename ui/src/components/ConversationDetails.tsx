import { useMutation, useQuery } from '@tanstack/react-query';
import { useDeferredValue, useId, useState, type FormEvent } from 'react';
import { commands, errorMessage, type CachedConversation, type Notify, type User } from '../ipc';
import { useConversationAdmin } from '../hooks/useConversationAdmin';
import { useMe } from '../hooks/useMe';
import { usePeople } from '../hooks/usePeople';
import { findUsersOptions } from '../queries/users';
import { openConversation } from '../state/navigation';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';

const nameOf = (u: User) => u.display_name || u.username;

/** `muted_until` for "until I unmute": as far ahead as dates go. */
export const FOREVER = '9999-12-31T23:59:59Z';

const MUTE_FOR = [
  { value: 'none', label: 'Not muted', hours: 0 },
  { value: '1h', label: '1 hour', hours: 1 },
  { value: '8h', label: '8 hours', hours: 8 },
  { value: '1d', label: '1 day', hours: 24 },
  { value: 'forever', label: 'Until I unmute', hours: Infinity },
] as const;

const NOTIFY: { value: Notify; label: string }[] = [
  { value: 'all', label: 'All messages' },
  { value: 'mentions', label: 'Mentions only' },
  { value: 'none', label: 'Nothing' },
];

/** Whether a conversation is muted now (`muted_until` in the future). */
export function isMuted(mutedUntil: string | null, now = Date.now()): boolean {
  return mutedUntil !== null && Date.parse(mutedUntil) > now;
}

/**
 * `Conversation details`: for groups the name (admins rename it), the members with their roles
 * (admins add, remove and promote), leaving; for direct conversations the other person; for
 * both the account's own notification settings.
 */
export function ConversationDetails({ conv, onClose }: { conv: CachedConversation; onClose: () => void }) {
  const c = conv.conversation;
  const me = useMe();
  const admin = useConversationAdmin(c.id);
  const people = usePeople(c.members.map((m) => m.user_id));
  const byId = new Map(people.map((u) => [u.id, u]));
  const label = (id: string) => {
    const u = byId.get(id);
    return u ? nameOf(u) : id;
  };
  const amAdmin = c.members.some((m) => m.user_id === me?.id && m.role === 'admin');
  const group = c.kind === 'group';
  const failed = [admin.rename, admin.add, admin.remove, admin.setRole, admin.settings].find((m) => m.isError);

  function leave() {
    if (!me) return;
    // The conversation leaves the list with us: close it, as other messengers do.
    admin.remove.mutate(me.id, { onSuccess: () => { onClose(); openConversation(null); } });
  }

  return (
    <Dialog title="Conversation details" onClose={onClose}>
      <div className="stack details">
        {group ? (
          <GroupName key={c.title ?? ''} title={c.title ?? ''} editable={amAdmin} pending={admin.rename.isPending}
            onSave={(title) => admin.rename.mutate(title)} />
        ) : (
          <DirectPeer user={people.find((u) => u.id !== me?.id) ?? null} />
        )}
        {group && (
          <section className="stack" aria-labelledby="members-heading">
            <h3 id="members-heading">Members</h3>
            <ul className="member-list" aria-label="Members">
              {c.members.map((m) => {
                const name = label(m.user_id);
                const self = m.user_id === me?.id;
                return (
                  <li key={m.user_id} aria-label={m.role === 'admin' ? `${name}, admin` : name} className="member-row">
                    <Avatar name={name} id={m.user_id} size={28} />
                    <span className="member-name">
                      {name}{self ? ' (you)' : ''}
                      {m.role === 'admin' && <span className="badge-role">admin</span>}
                    </span>
                    {amAdmin && !self && (
                      <span className="member-actions">
                        {m.role === 'member' && (
                          <button type="button" onClick={() => admin.setRole.mutate({ userId: m.user_id, role: 'admin' })}>
                            {`Make ${name} admin`}
                          </button>
                        )}
                        <button type="button" onClick={() => admin.remove.mutate(m.user_id)}>{`Remove ${name}`}</button>
                      </span>
                    )}
                  </li>
                );
              })}
            </ul>
            {amAdmin && <AddMember memberIds={c.members.map((m) => m.user_id)} onPick={(id) => admin.add.mutateAsync(id)} />}
          </section>
        )}
        <NotificationSettings notify={c.notify} mutedUntil={c.muted_until}
          onChange={(notify, mutedUntil) => admin.settings.mutate({ notify, mutedUntil })} />
        {failed && <p className="form-error" role="alert">{errorMessage(failed.error)}</p>}
        <ExportConversation conversationId={c.id} />
        {group && !conv.left && (
          <div className="form-actions">
            <button type="button" className="danger" onClick={leave} disabled={admin.remove.isPending}>
              Leave conversation
            </button>
          </div>
        )}
      </div>
    </Dialog>
  );
}

function GroupName({ title, editable, pending, onSave }: {
  title: string;
  editable: boolean;
  pending: boolean;
  onSave: (title: string) => void;
}) {
  const [value, setValue] = useState(title);
  const id = useId();
  if (!editable) {
    return <p className="details-title">{title}</p>;
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    if (value.trim() && value.trim() !== title) onSave(value.trim());
  }
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={id}>Group name</label>
      <input id={id} value={value} onChange={(e) => setValue(e.target.value)} required maxLength={100} />
      <button type="submit" disabled={pending || !value.trim() || value.trim() === title}>Save name</button>
    </form>
  );
}

function DirectPeer({ user }: { user: User | null }) {
  if (!user) return null;
  return (
    <div className="peer">
      <Avatar name={nameOf(user)} id={user.id} size={48} />
      <div>
        <p className="details-title">{nameOf(user)}</p>
        <p className="muted">@{user.username}</p>
      </div>
    </div>
  );
}

/** `Add member` opens `Find people`; choosing a person adds them. */
function AddMember({ memberIds, onPick }: { memberIds: string[]; onPick: (id: string) => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const deferred = useDeferredValue(query.trim());
  const found = useQuery({ ...findUsersOptions(deferred), enabled: open && deferred.length > 0 });
  if (!open) {
    return <button type="button" onClick={() => setOpen(true)}>Add member</button>;
  }
  const results = (found.data ?? []).filter((u) => !memberIds.includes(u.id));
  return (
    <div className="stack">
      <input type="search" aria-label="Find people" placeholder="Find people" value={query} autoFocus
        onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
      {results.length > 0 && (
        <ul className="user-list" aria-label="People">
          {results.map((u) => (
            <li key={u.id}>
              <button type="button" className="user-row" onClick={() => {
                void onPick(u.id).then(() => { setQuery(''); setOpen(false); }, () => {});
              }}>
                <Avatar name={nameOf(u)} id={u.id} size={28} />
                <span>{nameOf(u)} <span className="muted">@{u.username}</span></span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {deferred && found.isSuccess && results.length === 0 && <p className="muted">Nobody found.</p>}
    </div>
  );
}

function NotificationSettings({ notify, mutedUntil, onChange }: {
  notify: Notify;
  mutedUntil: string | null;
  onChange: (notify: Notify, mutedUntil: string | null) => void;
}) {
  const name = useId();
  const selectId = useId();
  const muted = isMuted(mutedUntil);
  const forever = muted && mutedUntil !== null && Date.parse(mutedUntil) >= Date.parse('9000-01-01T00:00:00Z');
  const current = !muted ? 'none' : forever ? 'forever' : 'timed';
  function mute(value: string) {
    const choice = MUTE_FOR.find((m) => m.value === value);
    if (!choice) return;
    const until = choice.hours === 0 ? null
      : choice.hours === Infinity ? FOREVER
        : new Date(Date.now() + choice.hours * 3_600_000).toISOString();
    onChange(notify, until);
  }
  return (
    <section className="stack">
      <div role="radiogroup" aria-label="Notifications" className="radio-group">
        <span className="group-label" aria-hidden="true">Notifications</span>
        {NOTIFY.map((n) => (
          <label key={n.value}>
            <input type="radio" name={name} value={n.value} checked={notify === n.value}
              onChange={() => onChange(n.value, mutedUntil)} />
            {n.label}
          </label>
        ))}
      </div>
      <div className="inline-field">
        <label htmlFor={selectId}>Mute for</label>
        <select id={selectId} value={current} onChange={(e) => mute(e.target.value)}>
          {current === 'timed' && mutedUntil && (
            <option value="timed">{`Until ${new Date(mutedUntil).toLocaleString()}`}</option>
          )}
          {MUTE_FOR.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
        </select>
      </div>
    </section>
  );
}

/**
 * `Export conversation`: the whole history as one HTML page in Downloads (`TITLE.html`, never
 * overwriting a file), older messages fetched first when online.
 */
function ExportConversation({ conversationId }: { conversationId: string }) {
  const run = useMutation({ mutationFn: () => commands.exportConversation(conversationId) });
  return (
    <section className="stack export">
      <div className="form-actions">
        <button type="button" onClick={() => run.mutate()} disabled={run.isPending}>
          {run.isPending ? 'Exporting…' : 'Export conversation'}
        </button>
      </div>
      {run.isSuccess && <p className="muted small" aria-live="polite">Saved to {run.data}</p>}
      {run.isError && <p className="form-error" role="alert">{errorMessage(run.error)}</p>}
    </section>
  );
}
