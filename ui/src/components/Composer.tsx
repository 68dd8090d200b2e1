import { useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { errorMessage } from '../ipc';
import { useDraft } from '../hooks/useDraft';
import { useEditMessage } from '../hooks/useEditMessage';
import { useSendMessage } from '../hooks/useSendMessage';
import type { ComposerMode } from './ComposerMode';
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
 */
export function Composer({ conversationId, mode, onDone }: {
  conversationId: string;
  mode: ComposerMode;
  onDone: () => void;
}) {
  const editing = mode?.kind === 'edit' ? mode.entry.message : null;
  const { draft, save, flush } = useDraft(conversationId);
  const [typed, setTyped] = useState<string | null>(editing ? editing.body : null);
  const text = typed ?? draft ?? '';
  const send = useSendMessage(conversationId);
  const edit = useEditMessage(conversationId);
  const area = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const tooLong = encoder.encode(text).length > MAX_BODY_BYTES;
  const canSend = text.trim().length > 0 && !tooLong;

  useLayoutEffect(() => autoGrow(area.current), [text]);

  function change(value: string) {
    setTyped(value);
    if (!editing) save(value);
  }

  function submit() {
    if (!canSend) return;
    if (editing) {
      if (text !== editing.body) edit.mutate({ messageId: editing.id, body: text });
      onDone();
      return;
    }
    send.mutate({ body: text, replyTo: mode?.kind === 'reply' ? mode.entry.message.id : null, stagedIds: [] });
    change('');
    flush();
    onDone();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
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
      <div className="composer-row">
        <button type="button" className="icon-button" aria-label="Attach file" title="Attachments are coming soon" disabled>
          <Icon name="attach" />
        </button>
        <textarea
          ref={area}
          aria-label="Message"
          aria-describedby={tooLong ? hintId : undefined}
          placeholder={editing ? 'Edit message' : 'Write a message…'}
          rows={1}
          value={text}
          onChange={(e) => change(e.target.value)}
          onKeyDown={onKeyDown}
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
