import { useBackfill } from '../state/backfill';

/**
 * First sign-in: conversations arrive newest first, and this says how far along that is.
 * Not a `role="status"` (that one is the connection state, §4): a labelled progress bar.
 */
export function BackfillProgress() {
  const progress = useBackfill();
  if (!progress) return null;
  const text = `Loading conversations: ${progress.done} of ${progress.total}`;
  return (
    <div className="backfill">
      <progress value={progress.done} max={progress.total} aria-label="Loading conversations" />
      <span aria-live="polite">{text}</span>
    </div>
  );
}
