/**
 * Floor for bench/mount-latency.ts: the barest Node reader of mount-table changes, through the same
 * native addon fsevd uses (src/native/binding.ts, watchPriority on /proc/self/mountinfo). On each
 * POLLPRI callback it prints one JSON line on stdout: `cb`, the wall time (ms, sub-ms resolution)
 * the callback ran, and `read`, the time after a synchronous re-read of mountinfo (what any reader
 * must do next), the bytes read and `count`, how many mount points in that reading start with the
 * prefix given as the first argument (so the caller can tell which reading first had its mount). Prints {"ready":true} once watching, or {"unavailable":reason}
 * and exits 3 when the addon is not built.
 *
 * Run: node --import tsx bench/baseline/pollpri-reader.ts /tmp/some-dir   (SIGTERM stops it)
 */
import { readFileSync } from 'node:fs';
import { loadNative } from '../../src/native/binding.ts';
import { anchoredWallClock } from '../lib/clock.ts';

const loaded = loadNative();
if (!loaded.ok) {
  process.stdout.write(`${JSON.stringify({ unavailable: loaded.reason })}\n`);
  process.exit(3);
}
const wall = anchoredWallClock();
const needle = ` ${process.argv[2] ?? '/nonexistent'}/`;
const watcher = loaded.native.watchPriority('/proc/self/mountinfo', () => {
  const cb = wall();
  const text = readFileSync('/proc/self/mountinfo', 'latin1');
  const read = wall();
  const count = text.split(needle).length - 1;
  process.stdout.write(`${JSON.stringify({ cb, read, bytes: text.length, count })}\n`);
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
// The watcher does not keep the process alive on its own.
const keepAlive = setInterval(() => undefined, 1 << 30);
process.once('SIGTERM', () => {
  watcher.close();
  clearInterval(keepAlive);
  process.exit(0);
});
