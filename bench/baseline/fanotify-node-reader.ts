/**
 * The bare Node baseline of bench/fanotify-latency.ts: the same native fanotify group fsevd uses
 * (src/native/binding.ts watchFsErrors: a native thread in read(), a threadsafe function to JS),
 * with nothing of fsevd after it. Marks the filesystem of argv[2], prints "ready", then prints
 * "ev <process.hrtime.bigint() ns>" first thing in each raw callback (no decoding).
 *
 * Run: node --import tsx bench/baseline/fanotify-node-reader.ts MOUNTPOINT   (SIGTERM stops it)
 */
import { watchFilesystem } from './fanotify-group.ts';

watchFilesystem('fanotify-node-reader', process.argv[2] ?? '/nonexistent', () => void process.stdout.write(`ev ${process.hrtime.bigint()}\n`));
