/**
 * The cluster subscriber's API keeps the node daemon's guard against other web sites: a real
 * `fsevd cluster` on 127.0.0.1 refuses a foreign Origin on reads and on admin POSTs (even with a
 * token), and a foreign Host on token-less reads (DNS rebinding), while its own page's origin,
 * names of this machine, token holders and clients without Origin (curl, Prometheus) get in.
 * The one node it follows is an address nobody listens on: the API is what is tested here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { send } from '../../helpers/http.ts';
import { tempDir } from '../../helpers/system.ts';
import { startCluster } from '../helpers.ts';

const ADMIN = 'cluster-origin-admin-token-0123456789';
const CROSS_SITE = [403, 'FSEVD_E_CROSS_SITE'];

test('a foreign Origin is refused on reads and admin POSTs, a foreign Host on token-less reads', async (t) => {
  const dir = await tempDir(t);
  const cluster = await startCluster(t, dir, { nodes: { static: ['127.0.0.1:1'] }, api: { tokens: [{ name: 'ops', role: 'admin', token: ADMIN }] } });
  const port = new URL(cluster.url).port;
  const nodes = `${cluster.url}/api/v1/cluster/nodes`;
  const refresh = `${cluster.url}/api/v1/cluster/refresh`;
  const bearer = { authorization: `Bearer ${ADMIN}` };
  const pair = async (answer: Promise<{ status: number; code?: string }>) => {
    const { status, code } = await answer;
    return [status, code];
  };

  assert.deepEqual(await pair(send(nodes, { origin: 'https://evil.example' })), CROSS_SITE);
  assert.deepEqual(await pair(send(refresh, { ...bearer, origin: 'https://evil.example' }, 'POST')), CROSS_SITE, 'an admin POST from another site');
  assert.deepEqual(await pair(send(nodes, { host: `evil.example:${port}` })), CROSS_SITE, 'a rebinding page reading without a token');
  assert.deepEqual(await pair(send(`${cluster.url}/metrics`, { host: `evil.example:${port}` })), CROSS_SITE);

  assert.equal((await send(nodes, {})).status, 200, 'no Origin: curl, Prometheus');
  assert.equal((await send(nodes, { origin: cluster.url })).status, 200, 'the cluster page itself');
  assert.equal((await send(nodes, { host: `localhost:${port}` })).status, 200);
  assert.equal((await send(nodes, { ...bearer, host: `evil.example:${port}` })).status, 200, 'a token holder is not a rebinding page');
  assert.equal((await send(refresh, { ...bearer, origin: cluster.url, 'content-type': 'application/json' }, 'POST')).status, 200, 'an admin POST from the page');
  assert.equal((await send(`${cluster.url}/healthz`, { host: `evil.example:${port}` })).status, 200, 'probes stay public');
});
