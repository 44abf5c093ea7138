/**
 * A bearer token in the WebSocket subprotocol list (what a browser can send), against a real
 * daemon that wants tokens even on loopback: the right token gets in with role read, a wrong one
 * or none is refused with 401 before the handshake, the server selects fsevd.v1 and never echoes
 * the token, and a real Authorization header still wins over the subprotocol.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import WebSocket from 'ws';
import { BEARER_PROTOCOL_PREFIX, selectProtocol, STREAM_PROTOCOL } from '../../../src/api/stream/bearer-protocol.ts';
import { READ_TOKEN, startApi } from '../helpers.ts';

const carrier = (token: string) => BEARER_PROTOCOL_PREFIX + Buffer.from(token).toString('base64url');

/** Status of a refused upgrade. */
function refusedWith(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.on('open', () => reject(new Error('upgrade was accepted')));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_request, response) => {
      response.resume();
      resolve(response.statusCode!);
    });
  });
}

test('a token in the subprotocol list authenticates a WebSocket; the server never selects it', async (t) => {
  const api = await startApi(t, { loopbackReads: false });
  assert.equal(await refusedWith(api.wsUrl, [STREAM_PROTOCOL]), 401, 'no token');
  assert.equal(await refusedWith(api.wsUrl, [STREAM_PROTOCOL, carrier('not-a-token-of-this-daemon')]), 401);
  assert.equal(await refusedWith(api.wsUrl, [STREAM_PROTOCOL, carrier(READ_TOKEN)], { authorization: 'Bearer wrong-token-0123456789' }), 401, 'the header wins');

  const ws = new WebSocket(api.wsUrl, [STREAM_PROTOCOL, carrier(READ_TOKEN)]);
  t.after(() => ws.terminate());
  const [hello] = (await once(ws, 'message')) as [Buffer];
  assert.equal(JSON.parse(String(hello)).type, 'hello');
  assert.equal(ws.protocol, STREAM_PROTOCOL);
});

test('selectProtocol prefers fsevd.v1, else any protocol but a token carrier, else none', () => {
  assert.equal(selectProtocol(new Set([carrier('x'), STREAM_PROTOCOL])), STREAM_PROTOCOL);
  assert.equal(selectProtocol(new Set([carrier('x'), 'other'])), 'other');
  assert.equal(selectProtocol(new Set([carrier('x')])), false);
});
