import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError } from '../../../../src/errors.ts';
import { parseRecord, splitRecords, unescapeKmsg, type KmsgRecord } from '../../../../src/collector/sources/kmsg/parse.ts';

function parsed(raw: string): KmsgRecord {
  const record = parseRecord(raw);
  assert.ok(!(record instanceof Error), `${raw}: ${String(record)}`);
  return record;
}

test('the header gives facility, level, sequence number, time and the continuation flag', () => {
  assert.deepEqual(parsed('2,409,1643957149,-;EXT4-fs error (device loop0): x'), {
    facility: 0, level: 2, seq: 409, timeUs: 1643957149, continued: false, text: 'EXT4-fs error (device loop0): x',
  });
  const user = parsed('14,3002,801,c;hello\n');
  assert.equal(user.facility, 1);
  assert.equal(user.level, 6);
  assert.equal(user.continued, true);
  assert.equal(user.text, 'hello');
});

test('fields after the flag (caller=, future ones) are ignored, as the kernel ABI asks', () => {
  const record = parsed('6,1,2,-,caller=T123,more=x;text');
  assert.equal(record.text, 'text');
  assert.equal(record.seq, 1);
});

test('dict lines of dev_printk messages are kept with their record', () => {
  const chunk = '3,10,5,-;sd 2:0:0:0: [sdb] tag#5 FAILED\n SUBSYSTEM=scsi\n DEVICE=+scsi:2:0:0:0\n6,11,6,-;next\n';
  const records = splitRecords(chunk);
  assert.equal(records.length, 2);
  const first = parsed(records[0]!);
  assert.deepEqual(first.dict, { SUBSYSTEM: 'scsi', DEVICE: '+scsi:2:0:0:0' });
  assert.equal(first.text, 'sd 2:0:0:0: [sdb] tag#5 FAILED');
  assert.equal(parsed(records[1]!).text, 'next');
});

test('a dict key cannot reach Object.prototype', () => {
  const record = parsed('3,10,5,-;x\n __proto__=polluted\n constructor=y');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(record.dict), Object.prototype);
  assert.equal(record.dict!.constructor, 'y');
});

test('\\xNN escapes are decoded: backslashes, UTF-8, bytes that are not UTF-8, stray newlines', () => {
  assert.equal(parsed('3,1,1,-;CIFS: VFS: \\x5c\\x5cfs01.corp has not responded').text, 'CIFS: VFS: \\\\fs01.corp has not responded');
  assert.equal(unescapeKmsg('caf\\xc3\\xa9'), 'café');
  assert.equal(unescapeKmsg('bad\\xff'), 'bad\udcff');
  assert.equal(parsed('2,1,1,-;EXT4-fs (sda1): This should not happen!! Data will be lost\\x0a').text, 'EXT4-fs (sda1): This should not happen!! Data will be lost');
  assert.equal(unescapeKmsg('not \\xZZ an escape'), 'not \\xZZ an escape');
});

test('malformed records are DecodeErrors, never exceptions', () => {
  for (const raw of ['', 'no header', '1,2,3;missing flag', 'x,2,3,-;bad pri', '192,1,1,-;pri too big', '-1,2,3,-;negative', '6,,3,-;empty seq', '6,99999999999999999999,3,-;huge seq', '6,1,2,-']) {
    assert.ok(parseRecord(raw) instanceof DecodeError, raw);
  }
});
