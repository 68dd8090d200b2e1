import { hueFor, initials } from '../lib/format';

/** Decorative initials avatar; the name is always present as text elsewhere. */
export function Avatar({ name, id, size = 36 }: { name: string; id: string; size?: number }) {
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size * 0.4, ['--hue' as string]: hueFor(id) }}
    >
      {initials(name)}
    </span>
  );
}
