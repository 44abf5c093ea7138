import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, validateConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { tempDir } from '../helpers/system.ts';

test('an empty document gives the embedded defaults', () => {
  const config = validateConfig({});
  assert.equal(config.listen, '127.0.0.1:9742');
  assert.equal(config.logLevel, 'info');
  assert.equal(config.journal.fsync, 'interval');
  assert.equal(config.sources.mountinfo.enabled, true);
  assert.ok(config.node.length > 0);
  assert.ok(config.stateDir.length > 0);
});

test('flags override the file', () => {
  const config = validateConfig({ listen: '127.0.0.1:1', logLevel: 'warn' }, { listen: '[::1]:2', logLevel: undefined });
  assert.equal(config.listen, '[::1]:2');
  assert.equal(config.logLevel, 'warn');
});

test('every bad field is named with its path', () => {
  try {
    validateConfig({ listen: 'nope', logLevel: 'loud', journal: { fsync: 'sometimes', extra: 1 }, sources: { mountinfo: { safetyIntervalMs: 5 } }, bogus: true });
    assert.fail('should have thrown');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    for (const path of ['/listen', '/logLevel', '/journal/fsync', '/journal/extra', '/sources/mountinfo/safetyIntervalMs', '/bogus']) assert.ok(text.includes(`${path}:`), `${path} not named in:\n${text}`);
    assert.match(text, /\/logLevel: must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/);
  }
});

test('a document that is not a mapping is refused', () => {
  for (const doc of [[], 'text', 42, null]) assert.throws(() => validateConfig(doc), ConfigError);
});

test('config files: YAML, broken YAML, missing file', async (t) => {
  const dir = await tempDir(t);
  const good = join(dir, 'good.yaml');
  await writeFile(good, 'listen: 127.0.0.1:9999\njournal:\n  fsync: always\n');
  const config = await loadConfig(good);
  assert.equal(config.listen, '127.0.0.1:9999');
  assert.equal(config.journal.fsync, 'always');
  const broken = join(dir, 'broken.yaml');
  await writeFile(broken, 'listen: [unclosed\n');
  await assert.rejects(loadConfig(broken), (err: Error) => err instanceof ConfigError && err.message.includes('broken.yaml'));
  await assert.rejects(loadConfig(join(dir, 'missing.yaml')), { code: 'FSEVD_E_CONFIG_READ' });
});
