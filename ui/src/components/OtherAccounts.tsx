import { useQuery } from '@tanstack/react-query';
import { useSwitchAccount } from '../hooks/useSwitchAccount';
import { sessionStateOptions } from '../queries/session';
import { Avatar } from './Avatar';

/**
 * The other signed-in accounts, when there are any: each stays live in the background (it
 * syncs and notifies), shows its unread count here, and comes on screen with one click.
 */
export function OtherAccounts() {
  const session = useQuery(sessionStateOptions()).data;
  const switchAccount = useSwitchAccount();
  const others = session?.accounts.filter((a) => a.label !== session.active) ?? [];
  if (others.length === 0) return null;
  return (
    <div className="other-accounts" role="group" aria-label="Other accounts">
      {others.map((a) => (
        <button key={a.label} type="button" className="other-account" disabled={switchAccount.isPending}
          aria-label={a.unread > 0 ? `Switch to ${a.label}, ${a.unread} unread` : `Switch to ${a.label}`}
          title={`Switch to ${a.label}`} onClick={() => switchAccount.mutate(a.label)}>
          <Avatar name={a.username} id={a.user_id} size={24} />
          <span className="other-account-name">{a.username}</span>
          {a.unread > 0 && <span className="badge" aria-hidden="true">{a.unread > 999 ? '999+' : a.unread}</span>}
        </button>
      ))}
    </div>
  );
}
