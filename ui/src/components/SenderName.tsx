import { usePersonLabel } from '../hooks/usePersonLabel';

/** A person's name, followed by their subdued `@username` when the name alone could mislead. */
export function SenderName({ id, className }: { id: string; className?: string }) {
  const { name, handle } = usePersonLabel(id);
  return <span className={className}>{name}{handle && <> <Handle username={handle} /></>}</span>;
}

/** `@username`, subdued: the part of a name nobody else can pick. */
export function Handle({ username }: { username: string }) {
  return <span className="handle">@{username}</span>;
}
