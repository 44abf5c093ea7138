import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { sources } from '../../../src/collector/sources/registry.ts';

test('every source folder or file is registered under its own name, and vice versa', async () => {
  const entries = await readdir(new URL('../../../src/collector/sources/', import.meta.url), { withFileTypes: true });
  const onDisk = entries.filter((e) => e.name !== 'registry.ts').map((e) => e.name.replace(/\.ts$/, ''));
  assert.deepEqual(new Set(onDisk), new Set(Object.keys(sources)));
});

test('every registered source has a config schema with an enabled flag and a factory', () => {
  for (const [name, module] of Object.entries(sources)) {
    assert.equal(typeof module.create, 'function', name);
    assert.ok('enabled' in module.configSchema.properties, `${name} has no enabled flag`);
    assert.equal(module.configSchema.additionalProperties, false, `${name} accepts unknown keys`);
  }
});
