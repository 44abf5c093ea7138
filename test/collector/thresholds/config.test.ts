/**
 * Applying requests to the configuration: whole or not at all, with the proposal's update
 * semantics (additive types, L2 kept, levels reset the state, removal of a missing entry refused).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyRequests, applyWrite, toRequestLines, type ApplyContext, type ThresholdConfig } from '../../../src/collector/thresholds/config.ts';
import { parseRequests } from '../../../src/collector/thresholds/syntax.ts';
import { ConfigError } from '../../../src/errors.ts';

const empty: ThresholdConfig = { version: 3, entries: [], defaults: { generation: 0 } };

function context(mounts: Record<string, string> = {}): ApplyContext {
  let generation = 100;
  return {
    nextGeneration: () => ++generation,
    isMountpoint: (path) => path in mounts,
    sameFilesystem: (a, b) => mounts[a] !== undefined && mounts[a] === mounts[b],
  };
}

const shared = context({ '/a': '1', '/b': '2', '/a-bind': '1' });
const apply = (config: ThresholdConfig, text: string) => applyRequests(config, parseRequests(text), shared);

test('add, update, add a type, remove a type, remove the entry, clear', () => {
  let config = apply(empty, '/a G T 20G 10G');
  assert.equal(config.version, 4);
  assert.deepEqual(toRequestLines(config), ['/a G T 20G 10G']);
  const generation = config.entries[0]!.generation;
  // Only L1 given: L2 is kept, and the levels re-arm (new generation).
  config = apply(config, '/a T 30G');
  assert.deepEqual(toRequestLines(config), ['/a G T 30G 10G']);
  assert.notEqual(config.entries[0]!.generation, generation);
  // Adding a type keeps the others and does not reset the levels.
  const before = config.entries[0]!.generation;
  config = apply(config, '/a I 5%');
  assert.deepEqual(toRequestLines(config), ['/a G T 30G 10G I 5% 0']);
  assert.notEqual(config.entries[0]!.generation, before, 'new inode levels re-arm too');
  config = apply(config, '/b G');
  assert.equal(apply(config, '/b G').entries.find((e) => e.mount === '/b')!.generation, config.entries.find((e) => e.mount === '/b')!.generation, 'G alone does not re-arm');
  config = apply(config, '!/a T');
  assert.deepEqual(toRequestLines(config), ['/a G I 5% 0', '/b G']);
  config = apply(config, '!/a');
  assert.deepEqual(toRequestLines(config), ['/b G']);
  config = apply(config, '');
  assert.deepEqual(toRequestLines(config), []);
});

test('a new entry without L2 gets 0; a mount of the same filesystem updates its entry', () => {
  let config = apply(empty, '/a T 15%');
  assert.deepEqual(toRequestLines(config), ['/a T 15% 0']);
  config = apply(config, '/a-bind T 20% 10%');
  assert.deepEqual(toRequestLines(config), ['/a T 20% 10%'], 'one entry per filesystem, as in the kernel');
});

test('a write with one bad request changes nothing and names every bad request', () => {
  const config = apply(empty, '/a T 100 50');
  assert.throws(
    () => apply(config, '/b G; !/nowhere; /c G; /a T 10'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        'request 2 "!/nowhere": there is no entry for /nowhere to remove',
        'request 3 "/c G": /c is not a mount point (mount it first, or put the line in the config file)',
        'request 4 "/a T 10": L1 10 is less than L2 50 (levels count available space, so L1 ≥ L2) (L2 kept from the existing entry)',
      ]);
      return true;
    },
  );
  assert.deepEqual(toRequestLines(config), ['/a T 100 50'], 'the original is untouched');
  assert.equal(config.version, 4);
});

test('requests apply in order within one write', () => {
  assert.deepEqual(toRequestLines(apply(empty, '/a G; !/a; /b T 5')), ['/b T 5 0']);
  assert.deepEqual(toRequestLines(apply(empty, '/a G; ; /b G'.replace('; ;', ';'))), ['/a G', '/b G']);
  assert.deepEqual(toRequestLines(apply(apply(empty, '/a G;/b G'), '!/a')), ['/b G']);
});

test('without a mount check (config file), any absolute path is accepted', () => {
  const config = applyRequests(empty, parseRequests('/not/mounted/yet T 10% 5%'), { nextGeneration: () => 1 });
  assert.deepEqual(toRequestLines(config), ['/not/mounted/yet T 10% 5%']);
});

test('a write reports malformed and inapplicable requests together, in order', () => {
  const config = apply(empty, '/a T 100 50');
  assert.throws(
    () => applyWrite(config, '/a T 5 10; !/nowhere; /a X; /b G', shared),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.problems, [
        'request 1 "/a T 5 10": L1 5 is less than L2 10 (levels count available space, so L1 ≥ L2)',
        'request 2 "!/nowhere": there is no entry for /nowhere to remove',
        'request 3 "/a X": "X": unknown event type (expected G, T or I)',
      ]);
      return true;
    },
  );
  assert.deepEqual(toRequestLines(applyWrite(config, '/b G;/a T 200', shared)), ['/a T 200 50', '/b G']);
});
