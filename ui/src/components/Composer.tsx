import { useId, useLayoutEffect, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from 'react';
import { errorMessage } from '../ipc';
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
  const tray = useAttachmentTray(conversationId);
  const area = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const tooLong = encoder.encode(text).length > MAX_BODY_BYTES;
  const files = editing ? [] : tray.chips;
  const canSend = (text.trim().length > 0 || files.length > 0) && !tooLong && !(files.length > 0 && tray.staging);

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
      {!editing && <AttachmentTray chips={tray.chips} errors={tray.errors} onRemove={tray.remove} onDismissErrors={tray.dismissErrors} />}
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
          onChange={(e) => change(e.target.value)}
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
