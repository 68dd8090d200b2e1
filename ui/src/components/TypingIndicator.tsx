import { usePersonLabel } from '../hooks/usePersonLabel';
import { useTypingUsers } from '../state/typing';
import { Handle } from './SenderName';

/** "Ada is typing…" from the ephemeral typing events (polite live region). */
export function TypingIndicator({ conversationId, meId }: { conversationId: string; meId: string | null }) {
  const users = useTypingUsers(conversationId, meId);
  return (
    <div className="typing" aria-live="polite">
      {users.length === 1 && <OneTyping id={users[0]!} />}
      {users.length === 2 && <TwoTyping ids={[users[0]!, users[1]!]} />}
      {users.length > 2 && <span>Several people are typing…</span>}
    </div>
  );
}

// "NAME is typing…" stays one text run (PRODUCT.md §4); the @username follows it.
function OneTyping({ id }: { id: string }) {
  const { name, handle } = usePersonLabel(id);
  return <><span>{name} is typing…</span>{handle && <> <Handle username={handle} /></>}</>;
}

function TwoTyping({ ids }: { ids: [string, string] }) {
  const first = usePersonLabel(ids[0]).name;
  const second = usePersonLabel(ids[1]).name;
  return <span>{first} and {second} are typing…</span>;
}
