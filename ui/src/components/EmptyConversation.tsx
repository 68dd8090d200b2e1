export function EmptyConversation() {
  return (
    <section className="conversation empty" aria-label="No conversation open">
      <div className="empty-state">
        <span className="brand-mark large" aria-hidden="true">P</span>
        <p>Pick a conversation on the left, or start a new one.</p>
      </div>
    </section>
  );
}
