import { useContext, useId, useLayoutEffect, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from 'react';
import { commands, errorMessage, type User } from '../ipc';
import { useMe } from '../hooks/useMe';
import { PeopleContext } from '../hooks/usePersonLabel';
import { mentionQuery } from '../lib/mentions';
import { useAttachmentTray } from '../hooks/useAttachmentTray';
import { useDraft } from '../hooks/useDraft';
import { useEditMessage } from '../hooks/useEditMessage';
import { useSendMessage } from '../hooks/useSendMessage';
import type { ComposerMode } from './ComposerMode';
import { AttachmentTray } from './AttachmentTray';
import { ComposerContext } from './ComposerContext';
import { Icon } from './Icon';

/** The server's body limit (PRODUCT.md §2), checked here so the user learns before sending. */
export const MAX_BODY_BYTES = 16_384;
const encoder = new TextEncoder();

/**
 * The message box. Enter sends, Shift+Enter adds a line; the text is kept as a per-conversation
 * draft (debounced `set_draft`) so it survives switching chats and restarting. In edit mode it
 * holds the message being edited instead and leaves the draft alone. The parent gives it a
 * `key` per conversation and mode, so each starts from the right text.
 *
 * Files join the message through `Attach file`, by pasting them into the box, or by dropping
 * them on the conversation; they wait as chips above the box (in memory, per conversation)
 * and go out with the next send, which may then have no text at all.
 */
export function Composer({ conversationId, mode, onDone, onEditLast }: {
  conversationId: string;
  mode: ComposerMode;
  onDone: () => void;
  /** `↑` in an empty box: edit the newest of one's own messages; false when there is none. */
  onEditLast?: () => boolean;
}) {
  const editing = mode?.kind === 'edit' ? mode.entry.message : null;
  const { draft, save, flush } = useDraft(conversationId);
  const [typed, setTyped] = useState<string | null>(editing ? editing.body : null);
  const text = typed ?? draft ?? '';
  const send = useSendMessage(conversationId);
  const edit = useEditMessage(conversationId);
  const tray = useAttachmentTray(conversationId);
  const area = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const tooLong = encoder.encode(text).length > MAX_BODY_BYTES;
  const files = editing ? [] : tray.chips;
  const canSend = (text.trim().length > 0 || files.length > 0) && !tooLong && !(files.length > 0 && tray.staging);

  useLayoutEffect(() => autoGrow(area.current), [text]);

  // `@` autocomplete of the conversation's members.
  const people = useContext(PeopleContext);
  const me = useMe();
  const [caret, setCaret] = useState<number | null>(null);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const listId = useId();
  const pending = useRef<number | null>(null);
  const typing = caret === null ? null : mentionQuery(text, caret);
  const suggestions = typing && typing.start !== dismissedAt ? suggest(people, me?.id ?? null, typing.query) : [];
  const open = suggestions.length > 0;
  const current = open ? suggestions[Math.min(active, suggestions.length - 1)]! : null;

  useLayoutEffect(() => {
    // Put the caret after an inserted mention.
    if (pending.current !== null && area.current) {
      area.current.setSelectionRange(pending.current, pending.current);
      setCaret(pending.current);
      pending.current = null;
    }
  }, [text]);

  function pick(u: User) {
    if (!typing || caret === null) return;
    const inserted = `@${u.username} `;
    pending.current = typing.start + inserted.length;
    change(text.slice(0, typing.start) + inserted + text.slice(caret));
    setActive(0);
  }

  function change(value: string) {
    setTyped(value);
    if (!editing) save(value);
    if (!editing && value.trim()) tellTyping(conversationId);
  }

  function submit() {
    if (!canSend) return;
    if (editing) {
      if (text !== editing.body) edit.mutate({ messageId: editing.id, body: text });
      onDone();
      return;
    }
    const body = text;
    const chips = tray.take();
    const stagedIds = chips.flatMap((c) => (c.staged ? [c.staged.staged_id] : []));
    send.mutate({ body, replyTo: mode?.kind === 'reply' ? mode.entry.message.id : null, stagedIds }, {
      // Nothing is lost when the outbox refuses: the text and the files come back.
      onError: () => {
        tray.putBack(chips);
        if (area.current?.value === '') change(body);
      },
    });
    change('');
    flush();
    onDone();
  }

  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const pasted = Array.from(e.clipboardData.files);
    if (editing || pasted.length === 0) return;
    e.preventDefault();
    tray.add(pasted);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (open && current) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : suggestions.length - 1;
        setActive((Math.min(active, suggestions.length - 1) + step) % suggestions.length);
        return;
      }
      if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && !e.nativeEvent.isComposing) {
        e.preventDefault();
        pick(current);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setDismissedAt(typing?.start ?? null);
        return;
      }
    }
    if (e.key === 'ArrowUp' && !e.altKey && !e.shiftKey && !e.ctrlKey && !e.metaKey
      && !mode && text === '' && files.length === 0 && onEditLast?.()) {
      e.preventDefault();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape' && mode) {
      e.preventDefault();
      onDone();
    }
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    submit();
  }

  const error = send.error ?? edit.error;
  return (
    <form className="composer" onSubmit={onSubmit}>
      {mode && <ComposerContext mode={mode} onCancel={onDone} />}
      {error && <p className="form-error" role="alert">{errorMessage(error)}</p>}
      {tooLong && <p className="form-error" id={hintId}>This message is too long to send.</p>}
      {!editing && <AttachmentTray chips={tray.chips} errors={tray.errors} onRemove={tray.remove} onDismissErrors={tray.dismissErrors} />}
      {open && (
        <ul className="mention-suggestions" role="listbox" id={listId} aria-label="Mention suggestions">
          {suggestions.map((u) => (
            <li key={u.id} id={`${listId}-${u.id}`} role="option" aria-selected={u === current}
              className={u === current ? 'active' : undefined}
              onMouseDown={(e) => { e.preventDefault(); pick(u); }}>
              {u.display_name || u.username} <span className="muted">@{u.username}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <button type="button" className="icon-button" aria-label="Attach file"
          title={editing ? 'Finish editing to attach files' : 'Attach files'} disabled={!!editing}
          onClick={() => picker.current?.click()}>
          <Icon name="attach" />
        </button>
        {/* Opened by `Attach file`; kept out of the Tab order and the accessibility tree. */}
        <input ref={picker} type="file" multiple className="visually-hidden" tabIndex={-1} aria-hidden="true"
          onChange={(e) => {
            tray.add(Array.from(e.target.files ?? []));
            e.target.value = '';
          }} />
        <textarea
          ref={area}
          aria-label="Message"
          aria-describedby={tooLong ? hintId : undefined}
          placeholder={editing ? 'Edit message' : 'Write a message…'}
          rows={1}
          value={text}
          aria-controls={open ? listId : undefined}
          aria-activedescendant={current ? `${listId}-${current.id}` : undefined}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onChange={(e) => {
            change(e.target.value);
            setCaret(e.target.selectionStart);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          autoFocus
        />
        <button type="submit" className="icon-button filled send" aria-label="Send"
          title={editing ? 'Save edit (Enter)' : 'Send (Enter)'} disabled={!canSend}>
          <Icon name="send" />
        </button>
      </div>
    </form>
  );
}

function autoGrow(el: HTMLTextAreaElement | null) {
  if (!el) return;
  el.style.height = 'auto';
  el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
}

/** Members whose username or display name starts with `query` (not oneself), at most 8. */
function suggest(people: readonly User[], meId: string | null, query: string): User[] {
  const q = query.toLowerCase();
  return people
    .filter((u) => u.id !== meId)
    .filter((u) => u.username.startsWith(q) || u.display_name.toLowerCase().startsWith(q))
    .slice(0, 8);
}

const lastTyping = new Map<string, number>();

/** Tells the others we type (the engine sends at most one notice per 3 s; this spares the IPC). */
function tellTyping(conversationId: string): void {
  const now = Date.now();
  if (now - (lastTyping.get(conversationId) ?? 0) < 1000) return;
  lastTyping.set(conversationId, now);
  commands.typing(conversationId).catch(() => {});
}
