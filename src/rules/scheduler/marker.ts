/**
 * @module rules/scheduler/marker
 * How fsevd marks what it does in a scheduler as its own (NHC's convention): the reason or comment
 * it writes starts with a prefix token, `fsevd:` by default, followed by a space. A reason is ours
 * only when its first whitespace-separated word is exactly that token: `fsevd:x` or `fsevd` are
 * not, and an empty reason is nobody's we know, so never ours.
 */

/** The default ownership prefix. */
export const DEFAULT_REASON_PREFIX = 'fsevd:';

/** A node name a driver will pass to a tool or put in a URL path (letters, digits, . _ - only). */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** The text fsevd writes: the prefix, a space, then the reason on one line, cut at `maxLength` characters (0: no limit). */
export function markReason(prefix: string, reason: string, maxLength = 0): string {
  // Control characters (newlines from event fields) would break the tools' line-based output.
  const oneLine = reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const text = oneLine ? `${prefix} ${oneLine}` : prefix;
  return maxLength > 0 ? text.slice(0, maxLength) : text;
}

/** True when `reason`'s first word is exactly `prefix`. */
export function isOwnReason(prefix: string, reason: string | undefined): boolean {
  if (!reason) return false;
  return reason.trimStart().split(/\s+/, 1)[0] === prefix;
}

/** Why `node` cannot be given to a scheduler tool, or undefined when it can. */
export function nodeNameProblem(node: string): string | undefined {
  return NODE_NAME.test(node) ? undefined : `node name ${JSON.stringify(node)} is not a plain host name (letters, digits, . _ -)`;
}
