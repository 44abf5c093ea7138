/**
 * Netlink decoder throughput on one core (no root needed): messages per second through each
 * source's pure decoding path, exactly as the listener runs it per datagram:
 *   - fsevent: familyMessages + decodeV3 (header, genl header, 4–5 attributes, registry lookup);
 *   - quota: familyMessages + decodeQuota (6 attributes, warning table);
 *   - uevent: parseUevent + classifyUevent against a mount table of 60 mounts (a mix of the
 *     machine's real block uevents: loop RESIZE/media changes, plain changes, removes, and
 *     non-block subsystems).
 * Baseline in the same run, per decoder: the least any reader must do with the same bytes
 * (genl: nlmsghdr + attribute walk only; uevent: split on NUL only). Median of 7 runs of 500k
 * messages after a warm-up. Target: ≥ 100k messages/s per decoder.
 *
 * Run: node --import tsx bench/netlink-decode.ts      (FSEVD_BENCH_QUICK=1: 3 runs of 100k)
 * Writes the `netlink-decode` section of BENCHMARKS.md.
 */
import { decodeV3 } from '../src/collector/sources/fsevent/decode.ts';
import { decodeQuota } from '../src/collector/sources/quota/decode.ts';
import { classifyUevent } from '../src/collector/sources/uevent/classify.ts';
import { parseUevent } from '../src/collector/sources/uevent/parse.ts';
import { MountTable } from '../src/collector/mounts/table.ts';
import { familyMessages, parseAttributes, splitMessages } from '../src/util/netlink/wire.ts';
import { mountEntry } from '../test/helpers/fake-context.ts';
import { fsEventMessage, quotaMessage, ueventMessage } from '../test/helpers/netlink-peer.ts';
import { main } from './lib/proc.ts';
import { fmt, note, RunContext, summarize, table, writeSection } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const RUNS = QUICK ? 3 : 7;
const MESSAGES = QUICK ? 100_000 : 500_000;
const TARGET = 100_000;

const mounts = new MountTable();
mounts.replace(Array.from({ length: 60 }, (_, i) => mountEntry(100 + i, `7:${i}`, `/mnt/m${i}`, 'ext4', { kernelName: `loop${i}`, device: `/dev/loop${i}` })));

/** Distinct datagrams, cycled through (the decoders keep no per-message cache). */
const fsevent = Array.from({ length: 64 }, (_, i) => fsEventMessage(30, i, { id: 1 + (i % 8), major: 7, minor: i % 60, data: 1000 + i }));
const quota = Array.from({ length: 64 }, (_, i) => quotaMessage(17, i, { qtype: i % 3, id: 1000 + i, warning: 1 + (i % 10), major: 7, minor: i % 60 }));
const uevent = Array.from({ length: 64 }, (_, i) => {
  const props = { SUBSYSTEM: 'block', MAJOR: 7, MINOR: i % 80, DEVNAME: `loop${i % 80}`, DEVTYPE: 'disk', DISKSEQ: 700 + i };
  const devpath = `/devices/virtual/block/loop${i % 80}`;
  switch (i % 4) {
    case 0: return ueventMessage('change', devpath, 2000 + i, { ...props, RESIZE: 1 });
    case 1: return ueventMessage('change', devpath, 2000 + i, props);
    case 2: return ueventMessage('remove', devpath, 2000 + i, props);
    default: return ueventMessage('change', '/devices/virtual/mem/null', 2000 + i, { SUBSYSTEM: 'mem', MAJOR: 1, MINOR: 3, DEVNAME: 'null', SYNTH_UUID: 0 });
  }
});

/** Each case: the decoder and its floor, both returning a count so nothing is optimised away. */
const CASES = [
  {
    name: 'fsevent (v3)',
    data: fsevent,
    decode: (d: Buffer) => count(familyMessages(d, 30, (m) => decodeV3(m, 0, 'v3'))),
    floor: (d: Buffer) => genlFloor(d),
  },
  {
    name: 'quota',
    data: quota,
    decode: (d: Buffer) => count(familyMessages(d, 17, (m) => decodeQuota(m, 0))),
    floor: (d: Buffer) => genlFloor(d),
  },
  {
    name: 'uevent (block mix)',
    data: uevent,
    decode: (d: Buffer) => {
      const event = parseUevent(d);
      return typeof event === 'string' ? 0 : 'observation' in classifyUevent(event, mounts, 0) ? 1 : 0;
    },
    floor: (d: Buffer) => d.toString('latin1').split('\0').length,
  },
];

function count(routed: Iterable<{ outcome: object }>): number {
  let n = 0;
  for (const { outcome } of routed) if ('observation' in outcome) n += 1;
  return n;
}

function genlFloor(d: Buffer): number {
  let n = 0;
  for (const m of splitMessages(d).messages) {
    const attrs = parseAttributes(m.payload.subarray(4));
    if (typeof attrs !== 'string') n += attrs.size;
  }
  return n;
}

function rate(data: readonly Buffer[], fn: (d: Buffer) => number): number[] {
  for (let i = 0; i < 50_000; i++) fn(data[i % data.length]!); // warm-up
  const perSecond: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let sink = 0;
    const t0 = performance.now();
    for (let i = 0; i < MESSAGES; i++) sink += fn(data[i % data.length]!);
    perSecond.push(MESSAGES / ((performance.now() - t0) / 1000));
    if (sink < 0) note('impossible');
  }
  return perSecond;
}

await main(async () => {
  const ctx = new RunContext();
  const rows: string[][] = [];
  const verdicts: string[] = [];
  for (const c of CASES) {
    const base = summarize(rate(c.data, c.floor));
    const ours = summarize(rate(c.data, c.decode));
    note(`netlink-decode: ${c.name}: ${fmt(ours.median / 1000)}k/s, floor ${fmt(base.median / 1000)}k/s`);
    rows.push([c.name, `${fmt(ours.median / 1000)}k [${fmt(ours.min / 1000)}–${fmt(ours.max / 1000)}]`, `${fmt(base.median / 1000)}k`, `${fmt(base.median / ours.median, 2)}×`, `${fmt(ours.median / TARGET, 1)}× ${ours.median >= TARGET ? '**met**' : '**not met**'}`]);
    verdicts.push(`${c.name} ${fmt(ours.median / TARGET, 1)}× the target`);
  }
  const body = [
    ctx.preamble('Netlink decoders throughput (one core)', 'bench/netlink-decode.ts'),
    '- Machine shared with other engineers\' test runs while measured: figures are indicative, compare the ratios.',
    `- Method: ${RUNS} runs of ${MESSAGES.toLocaleString('en')} messages per decoder after a 50k warm-up, cycling 64 distinct wire-format datagrams built from the references (test/helpers/netlink-peer.ts); uevent classification against a 60-mount table. Floor: the same bytes with only the message headers and attribute walk (genl) or the NUL split (uevent).`,
    '',
    table(['decoder', 'messages/s, median [range]', 'floor messages/s', 'cost vs floor', 'vs target 100k/s'], rows),
    '',
    `- ${verdicts.join('; ')}.`,
  ].join('\n');
  writeSection('netlink-decode', body);
});
