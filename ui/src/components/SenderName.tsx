import { useUserName } from '../hooks/useUserName';

export function SenderName({ id, className }: { id: string; className?: string }) {
  return <span className={className}>{useUserName(id)}</span>;
}
