/**
 * The node sources: the one-line entry form (static list, node file), sinfo's output, a Kubernetes
 * NodeList from a local stand-in API server (there is no real API server here; it answers like one
 * and records the request), and DNS SRV/A answers from a small local DNS server on loopback.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { parseEntry } from '../../../src/cluster/nodes/entry.ts';
import * as dns from '../../../src/cluster/nodes/dns.ts';
import * as file from '../../../src/cluster/nodes/file.ts';
import * as kubernetes from '../../../src/cluster/nodes/kubernetes.ts';
import { parseSinfo } from '../../../src/cluster/nodes/slurm.ts';
import * as staticList from '../../../src/cluster/nodes/static.ts';
import { tempDir } from '../../helpers/system.ts';

const context = { defaultPort: 9742, log: pino({ level: 'silent' }) };
const signal = new AbortController().signal;

test('entries: host, port, IPv6, options; bad ones are refused with a reason', () => {
  assert.deepEqual(parseEntry('n001', 9742), { host: 'n001', port: 9742, address: 'n001:9742' });
  assert.deepEqual(parseEntry('[::1]:9000 name=vm tls tokenFile=/t ca=/c', 9742), { host: '::1', port: 9000, address: '[::1]:9000', schedulerName: 'vm', tls: true, tokenFile: '/t', ca: '/c' });
  assert.match((parseEntry('n1:99999', 1) as { problem: string }).problem, /host\[:port\]/);
  assert.match((parseEntry('n1 color=red', 1) as { problem: string }).problem, /unknown option "color=red"/);
  assert.throws(() => staticList.create(['ok:1', 'bad host:x'], context), /\/nodes\/static\/1: /);
});

test('the node file is read at every list(); bad lines are skipped', async (t) => {
  const path = join(await tempDir(t), 'nodes.txt');
  const source = file.create(path, context);
  await writeFile(path, '# compute\nn1\nn2:9000 name=node-2  # comment\n\nn3 nonsense\n');
  assert.deepEqual((await source.list(signal)).map((e) => [e.address, e.schedulerName]), [['n1:9742', undefined], ['n2:9000', 'node-2']]);
  await writeFile(path, 'n4\n');
  assert.deepEqual((await source.list(signal)).map((e) => e.address), ['n4:9742']);
});

test('sinfo -N output: one endpoint per node, at NodeAddr, with the Slurm name', () => {
  const text = 'n1 10.0.0.1\nn1 10.0.0.1\nn2 (null)\nvm 127.0.0.1\n';
  assert.deepEqual(parseSinfo(text, 'nodeaddr', 9742).map((e) => [e.address, e.schedulerName]), [['10.0.0.1:9742', 'n1'], ['n2:9742', 'n2'], ['127.0.0.1:9742', 'vm']]);
  assert.deepEqual(parseSinfo(text, 'name', 1).map((e) => e.address), ['n1:1', 'n2:1', 'vm:1']);
});

test('Kubernetes: GET /api/v1/nodes with the token and label selector; InternalIP per Node', async (t) => {
  const dir = await tempDir(t);
  const requests: Array<{ url: string; auth: string | undefined }> = [];
  const server = createServer((request, response) => {
    requests.push({ url: request.url!, auth: request.headers.authorization });
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ kind: 'NodeList', items: [
      { metadata: { name: 'worker-1' }, status: { addresses: [{ type: 'Hostname', address: 'worker-1' }, { type: 'InternalIP', address: '10.1.0.5' }] } },
      { metadata: { name: 'no-ip' }, status: { addresses: [] } },
    ] }));
  }).listen(0, '127.0.0.1');
  t.after(() => server.close());
  await once(server, 'listening');
  await writeFile(join(dir, 'token'), 'secret-token\n');
  const { port } = server.address() as { port: number };
  const source = kubernetes.create({ apiServer: `http://127.0.0.1:${port}`, tokenFile: join(dir, 'token'), ca: '/nonexistent', labelSelector: 'fsevd=on', addressType: 'InternalIP', timeoutSeconds: 5 }, context);
  assert.deepEqual(await source.list(signal), [{ host: '10.1.0.5', port: 9742, address: '10.1.0.5:9742', schedulerName: 'worker-1' }]);
  assert.deepEqual(requests, [{ url: '/api/v1/nodes?labelSelector=fsevd%3Don', auth: 'Bearer secret-token' }]);
  assert.throws(() => kubernetes.nodesOf({ kind: 'Status' }, 'InternalIP', 1), /not a NodeList/);
});

/** A DNS server on loopback answering SRV and A questions for one name (RFC 1035 wire format). */
async function dnsServer(t: import('node:test').TestContext, records: { srv: Array<[number, string]>; a: string[] }) {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => {
    let end = 12;
    while (query[end] !== 0) end += query[end]! + 1;
    const qtype = query.readUInt16BE(end + 1);
    const question = query.subarray(12, end + 5);
    const name = (text: string) => Buffer.concat([...text.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
    const answers = (qtype === 33 ? records.srv.map(([port, target]) => [33, Buffer.concat([Buffer.from([0, 0, 0, 0, port >> 8, port & 255]), name(target)])] as const) : qtype === 1 ? records.a.map((ip) => [1, Buffer.from(ip.split('.').map(Number))] as const) : []);
    const header = Buffer.from([query[0]!, query[1]!, 0x81, 0x80, 0, 1, 0, answers.length, 0, 0, 0, 0]);
    const rrs = answers.map(([type, data]) => Buffer.concat([Buffer.from([0xc0, 12, 0, type, 0, 1, 0, 0, 0, 60, data.length >> 8, data.length & 255]), data]));
    socket.send(Buffer.concat([header, question, ...rrs]), peer.port, peer.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  t.after(() => socket.close());
  return `127.0.0.1:${socket.address().port}`;
}

test('DNS: SRV records give target and port; A records the default port', async (t) => {
  const server = await dnsServer(t, { srv: [[9001, 'n1.example.test'], [9002, 'n2.example.test']], a: ['10.0.0.7', '10.0.0.8'] });
  const srv = dns.create({ name: '_fsevd._tcp.example.test', type: 'SRV', servers: [server], timeoutSeconds: 2 }, context);
  assert.deepEqual((await srv.list(signal)).map((e) => e.address).sort(), ['n1.example.test:9001', 'n2.example.test:9002']);
  const a = dns.create({ name: 'nodes.example.test', type: 'A', servers: [server], timeoutSeconds: 2 }, context);
  assert.deepEqual((await a.list(signal)).map((e) => e.address).sort(), ['10.0.0.7:9742', '10.0.0.8:9742']);
});
