import { useContext } from 'react';
import type { Message } from '../ipc';
import { PeopleContext } from '../hooks/usePersonLabel';
import { useReact } from '../hooks/useReact';
import { namesOf } from '../lib/personLabel';

const NONE: readonly string[] = [];

/**
 * Reaction chips under a message, each named `EMOJI N` with who reacted in its tooltip;
 * pressing one toggles one's own reaction. A chip whose toggle made here hasn't reached the
 * server yet (`unsent`) looks pending and says so in its tooltip.
 */
export function Reactions({ message, meId, unsent = NONE }: { message: Message; meId: string | null; unsent?: readonly string[] }) {
  const react = useReact(message.conversation_id);
  const people = useContext(PeopleContext);
  if (message.reactions.length === 0) return null;
  return (
    <div className="reactions">
      {message.reactions.map((r) => {
        const mine = meId !== null && r.user_ids.includes(meId);
        const pending = unsent.includes(r.emoji);
        const names = namesOf(people, r.user_ids, meId).join(', ');
        return (
          <button key={r.emoji} type="button" className={['reaction', mine ? 'mine' : '', pending ? 'pending' : ''].join(' ').trim()}
            aria-pressed={mine} aria-label={`${r.emoji} ${r.count}`} title={pending ? `${names} (not sent yet)` : names}
            onClick={() => react.mutate({ messageId: message.id, emoji: r.emoji, on: !mine })}>
            <span aria-hidden="true">{r.emoji}</span> {r.count}
          </button>
        );
      })}
    </div>
  );
}
