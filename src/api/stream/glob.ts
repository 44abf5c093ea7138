/**
 * @module api/stream/glob
 * Mount-point globs, matched by simulating the pattern as a set of positions (Thompson's
 * construction) rather than through a backtracking RegExp: a subscriber chooses its globs, and
 * `**a**a**a…b` must not cost the daemon exponential time. The cost is O(path × pattern) at
 * worst, which the filter schema's length limits bound.
 *
 * `*` matches within one path component, `**` across components, `?` one character other than
 * `/`; a trailing `/**` also matches the directory itself (`/data/**` matches `/data`).
 */

/** A matcher of whole mount-point paths. */
export type Glob = (path: string) => boolean;

// Pattern positions hold a character code (>= 0) or one of these wildcards.
const ANY = -1; // ?
const STAR = -2; // *
const GLOBSTAR = -3; // **
const SLASH = 47;
const ASTERISK = 42;
const QUESTION = 63;

/** Compiles a glob to a matcher of whole paths. */
export function compileGlob(glob: string): Glob {
  const orSelf = glob.endsWith('/**') ? glob.slice(0, -3) : undefined;
  const tokens: number[] = [];
  for (let i = 0; i < glob.length; i++) {
    const code = glob.charCodeAt(i);
    if (code === ASTERISK && glob.charCodeAt(i + 1) === ASTERISK) {
      tokens.push(GLOBSTAR);
      while (glob.charCodeAt(i + 1) === ASTERISK) i++;
    } else if (code === ASTERISK) tokens.push(STAR);
    else if (code === QUESTION) tokens.push(ANY);
    else tokens.push(code);
  }
  if (!tokens.some((t) => t < 0)) return (path) => path === glob;
  const selfMatcher = orSelf === undefined ? undefined : compileGlob(orSelf);
  return (path) => simulate(tokens, path) || (selfMatcher !== undefined && selfMatcher(path));
}

/** Runs the pattern over the path with a set of live positions; true when the end is reachable. */
function simulate(tokens: readonly number[], path: string): boolean {
  const size = tokens.length + 1;
  let current = new Uint8Array(size);
  let next = new Uint8Array(size);
  current[0] = 1;
  close(tokens, current);
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    next.fill(0);
    let alive = false;
    for (let state = 0; state < tokens.length; state++) {
      if (!current[state]) continue;
      const token = tokens[state]!;
      if (token === GLOBSTAR || (token === STAR && code !== SLASH)) {
        next[state] = 1;
        alive = true;
      } else if (token === code || (token === ANY && code !== SLASH)) {
        next[state + 1] = 1;
        alive = true;
      }
    }
    if (!alive) return false;
    close(tokens, next);
    [current, next] = [next, current];
  }
  return current[tokens.length] === 1;
}

/** Stars match the empty string: a live star position also makes the next one live. */
function close(tokens: readonly number[], states: Uint8Array): void {
  for (let state = 0; state < tokens.length; state++) {
    if (states[state] && (tokens[state] === STAR || tokens[state] === GLOBSTAR)) states[state + 1] = 1;
  }
}
