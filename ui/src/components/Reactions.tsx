import { useContext } from 'react';
import type { Message } from '../ipc';
import { PeopleContext } from '../hooks/usePersonLabel';
import { useReact } from '../hooks/useReact';
import { namesOf } from '../lib/personLabel';

/**
 * Reaction chips under a message, each named `EMOJI N` with who reacted in its tooltip;
 * pressing one toggles one's own reaction.
 */
export function Reactions({ message, meId }: { message: Message; meId: string | null }) {
  const react = useReact(message.conversation_id);
  const people = useContext(PeopleContext);
  if (message.reactions.length === 0) return null;
  return (
    <div className="reactions">
      {message.reactions.map((r) => {
        const mine = meId !== null && r.user_ids.includes(meId);
        return (
          <button key={r.emoji} type="button" className={mine ? 'reaction mine' : 'reaction'} aria-pressed={mine}
            aria-label={`${r.emoji} ${r.count}`} title={namesOf(people, r.user_ids, meId).join(', ')}
            onClick={() => react.mutate({ messageId: message.id, emoji: r.emoji, on: !mine })}>
            <span aria-hidden="true">{r.emoji}</span> {r.count}
          </button>
        );
      })}
    </div>
  );
}
