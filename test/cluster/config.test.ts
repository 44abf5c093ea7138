/**
 * The cluster config: defaults, the errors it refuses with (each naming the path), and the
 * scheduler-name mapping (source's name, map, template placeholders).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateClusterConfig } from '../../src/cluster/config.ts';
import { schedulerNamer } from '../../src/cluster/node-name.ts';

test('defaults, and what is refused', () => {
  const config = validateClusterConfig({ nodes: { static: ['n1'] } }, { stateDir: '/tmp/x' });
  assert.equal(config.listen, '127.0.0.1:9743');
  assert.equal(config.incidents.capPercent, 10);
  assert.equal(config.unreachable.drain, false);
  assert.deepEqual(Object.keys(config.nodes), ['static'], 'unconfigured sources stay off');
  assert.throws(() => validateClusterConfig({}, { stateDir: '/tmp/x' }), /\/nodes: name at least one node source/);
  assert.throws(() => validateClusterConfig({ nodes: { static: [] }, unreachable: { drain: true } }, { stateDir: '/tmp/x' }), /\/unreachable\/actions/);
  assert.throws(() => validateClusterConfig({ nodes: { nfs: {} } }, { stateDir: '/tmp/x' }), /\/nodes/);
  assert.throws(() => validateClusterConfig({ nodes: { static: ['n1'] }, incidents: { capPercent: 200 } }, { stateDir: '/tmp/x' }), /\/incidents\/capPercent/);
});

test('scheduler names: the source\'s own, then the map, then the template', () => {
  const name = schedulerNamer({ template: '{nodeShort}-{hostShort}', map: { 'special.example.org': 'sp1' } });
  const endpoint = { host: 'h7.example.org', port: 1, address: 'h7.example.org:1' };
  assert.equal(name({ ...endpoint, schedulerName: 'slurm-7' }, 'n7.example.org'), 'slurm-7');
  assert.equal(name(endpoint, 'special.example.org'), 'sp1');
  assert.equal(name(endpoint, 'n7.example.org'), 'n7-h7');
  assert.equal(name({ host: '10.0.0.7', port: 1, address: '10.0.0.7:1' }, undefined), '10.0.0.7-10.0.0.7', 'addresses are not shortened');
  assert.equal(schedulerNamer({ template: '{node}', map: {} })(endpoint, undefined), 'h7.example.org', 'before the hello, the host');
  assert.throws(() => schedulerNamer({ template: '{fqdn}', map: {} }), /unknown placeholder \{fqdn\}/);
});
