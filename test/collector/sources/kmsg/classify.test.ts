/**
 * Every line of the corpus (real kernel formats from the reference and lines captured on this
 * machine) yields the event and fields written next to it, through the full record path
 * (parse → classify → outcome rules), one fresh processor per line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classify } from '../../../../src/collector/sources/kmsg/classify.ts';
import { catalog } from '../../../../src/collector/sources/kmsg/catalog/index.ts';
import { parseRecord } from '../../../../src/collector/sources/kmsg/parse.ts';
import { KmsgProcessor } from '../../../../src/collector/sources/kmsg/processor.ts';
import { loadCorpus, MOUNT_KEYS } from './corpus.ts';

const corpus = loadCorpus();

test('the corpus is not empty and covers every catalog entry', () => {
  assert.ok(corpus.length > 100, `only ${corpus.length} cases`);
  const matched = new Set<string>();
  for (const c of corpus) {
    const record = parseRecord(c.record);
    if (record instanceof Error) continue;
    const line = classify(record);
    if (line) matched.add(line.entry.id);
  }
  const missing = catalog.map((entry) => entry.id).filter((id) => !matched.has(id));
  assert.deepEqual(missing, [], 'catalog entries with no corpus line');
});

for (const c of corpus) {
  test(`corpus line ${c.line}: ${c.record.slice(c.record.indexOf(';') + 1, c.record.indexOf(';') + 70)}`, () => {
    const processor = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 1000 });
    const { observations } = processor.chunk(`${c.record}\n`, 1000);
    observations.push(...processor.drain());
    if (c.type === undefined) return assert.deepEqual(observations.map((o) => o.type), [], 'expected no event');
    assert.equal(observations.length, 1, `one event, got ${JSON.stringify(observations)}`);
    const [obs] = observations;
    assert.equal(obs!.type, c.type);
    for (const [key, expected] of Object.entries(c.fields)) {
      const actual = MOUNT_KEYS.has(key) ? (obs!.mount as Record<string, unknown> | undefined)?.[key === 'device' ? 'deviceName' : key] : obs!.data[key];
      assert.equal(String(actual), expected, `${key} of ${JSON.stringify(obs)}`);
    }
  });
}

test('every catalog entry has a unique id, a description and a literal to dispatch on', () => {
  const ids = new Set<string>();
  for (const entry of catalog) {
    assert.ok(!ids.has(entry.id), `duplicate id ${entry.id}`);
    ids.add(entry.id);
    assert.ok(entry.description.length > 10, entry.id);
    assert.ok(entry.prefix !== undefined || entry.contains !== undefined, `${entry.id} would run its pattern on every line`);
  }
});
