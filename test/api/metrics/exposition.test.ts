/**
 * The exposition helpers: label values escaped so that any mount path gives valid text (checked
 * with the real promtool), numbers written as Prometheus parses them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeLabelValue, extendLabelSet, familyHeader, formatValue, labelSet } from '../../../src/api/metrics/exposition.ts';
import { decodeBytes } from '../../../src/util/bytes.ts';
import { needProgram, promtool } from '../../dashboards/promtool.ts';

test('label values escape backslash, double quote and newline, and nothing else that is valid UTF-8', () => {
  assert.equal(escapeLabelValue('/srv/data'), '/srv/data');
  assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.equal(escapeLabelValue("tab\tcr\r$(id) `x` 'q' é 🚀"), "tab\tcr\r$(id) `x` 'q' é 🚀");
});

test('bytes that are not UTF-8 become the text \\xNN, distinct per byte', () => {
  const path = decodeBytes(Buffer.concat([Buffer.from('/mnt/a'), Buffer.from([0xff, 0xfe]), Buffer.from('b')]));
  assert.equal(escapeLabelValue(path), '/mnt/a\\\\xff\\\\xfeb');
  const other = decodeBytes(Buffer.concat([Buffer.from('/mnt/a'), Buffer.from([0xff, 0xfd]), Buffer.from('b')]));
  assert.notEqual(escapeLabelValue(other), escapeLabelValue(path));
});

test('a lone surrogate that stands for no byte becomes U+FFFD', () => {
  assert.equal(escapeLabelValue('x\ud800y'), 'x\ufffdy');
  assert.equal(escapeLabelValue('x\udc10y'), 'x\ufffdy');
});

test('label sets are built and extended', () => {
  assert.equal(labelSet([]), '');
  assert.equal(labelSet([['mountpoint', '/a"b']]), '{mountpoint="/a\\"b"}');
  assert.equal(extendLabelSet('{a="1"}', 'b="2"'), '{a="1",b="2"}');
  assert.equal(extendLabelSet('{a="1"}', ''), '{a="1"}');
  assert.equal(extendLabelSet('', 'b="2"'), '{b="2"}');
});

test('values are written in a form Go parses', () => {
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue(270553174016), '270553174016');
  assert.equal(formatValue(0.25), '0.25');
  assert.equal(formatValue(1e21), '1e+21');
  assert.equal(formatValue(Number.NaN), 'NaN');
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(-Infinity), '-Inf');
});

test('help text escapes backslash and newline only', () => {
  assert.equal(familyHeader('x_total', 'a "b" \\ c\nd', 'counter'), '# HELP x_total a "b" \\\\ c\\nd\n# TYPE x_total counter\n');
});

test('promtool accepts every hostile label value escaped, and rejects the raw bytes', async (t) => {
  if (!needProgram(t, 'promtool', 'prometheus')) return;
  const hostile = [
    '/mnt/with space',
    '/mnt/new\nline',
    '/mnt/"quoted"',
    '/mnt/back\\slash',
    '/mnt/$(touch x);`id`|&',
    decodeBytes(Buffer.from([0x2f, 0x6d, 0xff, 0xfe, 0x80])),
  ];
  const lines = hostile.map((path, index) => `fsevd_test_total${labelSet([['mountpoint', path], ['n', String(index)]])} ${formatValue(index)}`);
  const text = `${familyHeader('fsevd_test_total', 'Hostile labels.', 'counter')}${lines.join('\n')}\n`;
  const checked = await promtool(['check', 'metrics'], text);
  assert.equal(checked.code, 0, `promtool: ${checked.stdout}${checked.stderr}\n${text}`);
  // The check can fail: the same path written as raw bytes is not valid exposition text.
  const raw = Buffer.concat([Buffer.from(`${familyHeader('fsevd_test_total', 'Raw.', 'counter')}fsevd_test_total{mountpoint="/m`), Buffer.from([0xff]), Buffer.from('"} 1\n')]);
  assert.notEqual((await promtool(['check', 'metrics'], raw)).code, 0);
});
