import { useUserName } from '../hooks/useUserName';
import { useTypingUsers } from '../state/typing';

/** "Ada is typing…" from the ephemeral typing events (polite live region). */
export function TypingIndicator({ conversationId, meId }: { conversationId: string; meId: string | null }) {
  const users = useTypingUsers(conversationId, meId);
  return (
    <div className="typing" aria-live="polite">
      {users.length === 1 && <OneTyping id={users[0]!} />}
      {users.length > 1 && <span>Several people are typing…</span>}
    </div>
  );
}

function OneTyping({ id }: { id: string }) {
  return <span>{useUserName(id)} is typing…</span>;
}
