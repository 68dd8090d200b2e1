import type { Message } from '../ipc';
import { useReact } from '../hooks/useReact';

/** Reaction chips under a message; pressing one toggles one's own reaction. */
export function Reactions({ message, meId }: { message: Message; meId: string | null }) {
  const react = useReact(message.conversation_id);
  if (message.reactions.length === 0) return null;
  return (
    <div className="reactions">
      {message.reactions.map((r) => {
        const mine = meId !== null && r.user_ids.includes(meId);
        return (
          <button key={r.emoji} type="button" className={mine ? 'reaction mine' : 'reaction'} aria-pressed={mine}
            aria-label={`${r.emoji} ${r.count}`}
            onClick={() => react.mutate({ messageId: message.id, emoji: r.emoji, on: !mine })}>
            <span aria-hidden="true">{r.emoji}</span> {r.count}
          </button>
        );
      })}
    </div>
  );
}
