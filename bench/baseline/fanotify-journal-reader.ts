/**
 * The journaling floor of bench/fanotify-latency.ts: the bare Node reader (fanotify-node-reader.ts)
 * plus the least any reader must do before it may hand an error to a subscriber when, like fsevd,
 * it promises that a subscriber never sees an event that a crash could lose: decode the kernel's
 * record (fsevd's decoder), build the event (fixed fields, errno, fsid, inode, time), serialize it
 * and write it to a journal file (the addon's appendRecord, fsevd's cheapest way: one call,
 * CRC-32 and writev in C). No mount lookup, sequencing, correlation, state or listeners. Prints
 * "ev <process.hrtime.bigint() ns>" once the record is written.
 *
 * Run: node --import tsx bench/baseline/fanotify-journal-reader.ts MOUNTPOINT JOURNAL_FILE   (SIGTERM stops it)
 */
import { openSync } from 'node:fs';
import { MAX_PAYLOAD_BYTES } from '../../src/collector/journal/record.ts';
import { decodeEvents } from '../../src/collector/sources/fanotify/decode.ts';
import { isoTime } from '../../src/util/iso-time.ts';
import { nativeOrExit, watchFilesystem } from './fanotify-group.ts';

const NAME = 'fanotify-journal-reader';
const appendRecord = nativeOrExit(NAME, ['appendRecord']).appendRecord!;
const journal = openSync(process.argv[3] ?? '/nonexistent/journal', 'a', 0o600);
let seq = 0;
watchFilesystem(NAME, process.argv[2] ?? '/nonexistent', (chunk) => {
  for (const record of decodeEvents(chunk).records) {
    if (record.kind !== 'fs-error') continue;
    const event = { seq: ++seq, time: isoTime(Date.now()), node: 'bench', type: 'FS_ERROR', code: 9, class: 'error', severity: 'error', transient: false, sources: ['fanotify'], count: 1, data: { errno: record.errno, errorCount: record.errorCount, fsid: record.fsid, inode: record.inode } };
    appendRecord(journal, JSON.stringify(event), MAX_PAYLOAD_BYTES);
    process.stdout.write(`ev ${process.hrtime.bigint()}\n`);
  }
});
