/**
 * Saved-log formats for `fsevd parse-log`. The dmesg files were produced on this machine from the
 * same records as captured-6.18.kmsg (dmesg -r, dmesg -x, dmesg); journalctl is not running here,
 * so its lines are written by hand in journalctl's documented output formats.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseLogLine } from '../../../../src/collector/sources/kmsg/formats.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/kmsg/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);

test('every dmesg output of the capture decodes to the same texts, levels and times as the kmsg records', () => {
  const kmsg = fixture('captured-6.18.kmsg').map((line) => parseLogLine(line)!.record);
  for (const [name, hasLevel] of [['captured-6.18.dmesg-r.txt', true], ['captured-6.18.dmesg-x.txt', true], ['captured-6.18.dmesg.txt', false]] as const) {
    const lines = fixture(name).map((line) => parseLogLine(line));
    assert.equal(lines.length, kmsg.length, name);
    lines.forEach((line, i) => {
      assert.ok(line, `${name} line ${i + 1} not recognised`);
      assert.equal(line.record.text, kmsg[i]!.text, `${name} line ${i + 1}`);
      assert.equal(line.record.timeUs, kmsg[i]!.timeUs, `${name} line ${i + 1}`);
      assert.equal(line.record.level, hasLevel ? kmsg[i]!.level : -1, `${name} line ${i + 1}`);
      assert.equal(line.record.facility, 0);
    });
  }
});

test('journalctl -k outputs: short, short-precise, short-iso, short-monotonic, json', () => {
  const short = parseLogLine('Nov 23 02:37:29 node7 kernel: EXT4-fs (loop1): shut down requested (2)', 2026)!;
  assert.equal(short.format, 'journal');
  assert.equal(short.host, 'node7');
  assert.equal(short.wallTime, new Date(2026, 10, 23, 2, 37, 29).getTime());
  assert.equal(short.record.text, 'EXT4-fs (loop1): shut down requested (2)');
  const precise = parseLogLine('Nov  3 02:37:29.250000 node7 kernel: x', 2026)!;
  assert.equal(precise.wallTime, new Date(2026, 10, 3, 2, 37, 29, 250).getTime());
  const iso = parseLogLine('2026-11-23T02:37:29+0000 node7 kernel: XFS (sdb1): log I/O error -5')!;
  assert.equal(iso.wallTime, Date.UTC(2026, 10, 23, 2, 37, 29));
  const monotonic = parseLogLine('[ 1672.218442] node7 kernel: EXT4-fs (loop1): shut down requested (2)')!;
  assert.equal(monotonic.record.timeUs, 1672218442);
  assert.equal(monotonic.host, 'node7');
  const syslog = parseLogLine('Nov 23 02:37:29 node7 kernel: [ 1672.218442] EXT4-fs (loop1): shut down requested (2)', 2026)!;
  assert.equal(syslog.record.text, 'EXT4-fs (loop1): shut down requested (2)', 'the inner kernel timestamp is not part of the text');
  assert.equal(syslog.record.timeUs, 1672218442);
  const json = parseLogLine(JSON.stringify({ _TRANSPORT: 'kernel', MESSAGE: 'EXT4-fs (loop1): shut down requested (2)', PRIORITY: '1', SYSLOG_FACILITY: '0', __REALTIME_TIMESTAMP: '1795395492000000', _SOURCE_MONOTONIC_TIMESTAMP: '1672218442', _HOSTNAME: 'node7' }))!;
  assert.deepEqual([json.format, json.record.level, json.record.facility, json.record.timeUs, json.wallTime, json.host], ['journal-json', 1, 0, 1672218442, 1795395492000, 'node7']);
});

test('journal entries that are not kernel lines, or were written to /dev/kmsg from user space, are not kernel records', () => {
  assert.equal(parseLogLine(JSON.stringify({ _TRANSPORT: 'syslog', MESSAGE: 'EXT4-fs error (device sda1): x:1: comm y: z' })), undefined);
  const forged = parseLogLine(JSON.stringify({ _TRANSPORT: 'kernel', MESSAGE: 'EXT4-fs error (device sda1): x:1: comm y: z', SYSLOG_FACILITY: '1' }))!;
  assert.equal(forged.record.facility, 1);
  const bytes = parseLogLine(JSON.stringify({ _TRANSPORT: 'kernel', MESSAGE: [...Buffer.from('caf\xe9', 'latin1')] }))!;
  assert.equal(bytes.record.text, 'caf\udce9', 'journald byte-array messages keep their bytes');
});

test('dmesg -T and dmesg -x with a user facility', () => {
  const ctime = parseLogLine('[Mon Nov 23 02:37:29 2026] Aborting journal on device loop1-8.')!;
  assert.equal(ctime.wallTime, new Date(2026, 10, 23, 2, 37, 29).getTime());
  assert.equal(ctime.record.text, 'Aborting journal on device loop1-8.');
  assert.equal(parseLogLine('user  :crit  : [ 1.000000] EXT4-fs error (device sda1): x:1: comm y: z')!.record.facility, 1);
  assert.equal(parseLogLine('<10>[    1.000000] EXT4-fs error (device sda1): x:1: comm y: z')!.record.facility, 1);
});

test('lines in no known format are not records', () => {
  for (const line of ['', 'hello world', '-- No entries --', ' SUBSYSTEM=scsi', '{not json', '{"MESSAGE": 5, "_TRANSPORT": "kernel"}', 'kern  :bogus : [ 1.0] x']) {
    assert.equal(parseLogLine(line), undefined, line);
  }
});
