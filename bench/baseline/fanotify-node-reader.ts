/**
 * The bare Node baseline of bench/fanotify-latency.ts: the same native fanotify group fsevd uses
 * (src/native/binding.ts watchFsErrors: a native thread in read(), a threadsafe function to JS),
 * with nothing of fsevd after it. Marks the filesystem of argv[2], prints "ready", then prints
 * "ev <process.hrtime.bigint() ns>" first thing in each raw callback (no decoding).
 *
 * Run: node --import tsx bench/baseline/fanotify-node-reader.ts MOUNTPOINT   (SIGTERM stops it)
 */
import { loadNative } from '../../src/native/binding.ts';

const loaded = loadNative();
if (!loaded.ok || !loaded.native.watchFsErrors) {
  process.stderr.write(`fanotify-node-reader: ${loaded.ok ? 'addon predates watchFsErrors' : loaded.reason}\n`);
  process.exit(3);
}
const watcher = loaded.native.watchFsErrors(
  () => void process.stdout.write(`ev ${process.hrtime.bigint()}\n`),
  (result) => {
    if (result.error) {
      process.stderr.write(`fanotify-node-reader: mark failed: ${result.error.code}\n`);
      process.exit(1);
    }
    process.stdout.write('ready\n');
  },
  (error) => {
    process.stderr.write(`fanotify-node-reader: read failed: ${error.code}\n`);
    process.exit(1);
  },
);
watcher.mark(1, Buffer.from(process.argv[2] ?? '/nonexistent'));
// The group does not keep the process alive on its own.
const keepAlive = setInterval(() => undefined, 1 << 30);
process.once('SIGTERM', () => {
  watcher.close();
  clearInterval(keepAlive);
  process.exit(0);
});
