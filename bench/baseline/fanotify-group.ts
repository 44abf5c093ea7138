/**
 * What the Node baselines of bench/fanotify-latency.ts share: fsevd's native fanotify group (a
 * native thread in read(), a threadsafe function to JS) marking the filesystem of one mount
 * point, "ready" on stdout once the mark is placed, a stop on SIGTERM. `onChunk` gets the raw
 * bytes of each read, first thing on the JS thread.
 */
import { loadNative, type NativeBinding } from '../../src/native/binding.ts';

/** Loads the addon or exits 3 naming what is missing (`need`: the functions the caller uses). */
export function nativeOrExit(name: string, need: Array<keyof NativeBinding>): NativeBinding {
  const loaded = loadNative();
  const missing = loaded.ok ? need.filter((fn) => typeof loaded.native[fn] !== 'function') : [];
  if (!loaded.ok || missing.length > 0) {
    process.stderr.write(`${name}: ${loaded.ok ? `addon predates ${missing.join(', ')}` : loaded.reason}\n`);
    process.exit(3);
  }
  return loaded.native;
}

/** Marks `mountpoint`'s filesystem and hands every read to `onChunk` until SIGTERM. */
export function watchFilesystem(name: string, mountpoint: string, onChunk: (chunk: Buffer) => void): void {
  const watcher = nativeOrExit(name, ['watchFsErrors']).watchFsErrors!(
    onChunk,
    (result) => {
      if (result.error) {
        process.stderr.write(`${name}: mark failed: ${result.error.code}\n`);
        process.exit(1);
      }
      process.stdout.write('ready\n');
    },
    (error) => {
      process.stderr.write(`${name}: read failed: ${error.code}\n`);
      process.exit(1);
    },
  );
  watcher.mark(1, Buffer.from(mountpoint));
  // The group does not keep the process alive on its own.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  process.once('SIGTERM', () => {
    watcher.close();
    clearInterval(keepAlive);
    process.exit(0);
  });
}
