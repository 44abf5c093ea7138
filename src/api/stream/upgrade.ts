/**
 * @module api/stream/upgrade
 * WebSocket upgrades on the fastify port. fastify does not see upgrade requests, so they get the
 * same checks here, in the same order, with the same JSON error bodies: rate limit (429), a page of
 * another site (../origin.ts: a foreign Origin, which every browser handshake carries, or a
 * token-less read under a foreign Host; 403), token (Authorization, or from a browser the
 * subprotocol of bearer-protocol.ts) and role `read` (401/403), open-stream limit (503), path (404). Only then does `ws` (noServer, no compression,
 * maxPayload = api.limits.messageBytes) complete the handshake.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { FsevdError } from '../../errors.ts';
import { errorBody } from '../error-handler.ts';
import { selectProtocol, upgradeCredentials } from './bearer-protocol.ts';
import type { Hub } from './hub.ts';
import { WebSocketConnection } from './websocket.ts';

/** Where WebSocket (and SSE) streams live. */
export const STREAM_PATH = '/api/v1/stream';

/** Handles WebSocket upgrades on the app's server for STREAM_PATH. */
export function acceptWebSockets(app: FastifyInstance, hub: Hub): void {
  let wss: WebSocketServer | undefined;
  // maxPayload is fixed per WebSocketServer: make a new one when a reload changes the limit.
  const serverFor = (maxPayload: number) => {
    if (wss?.options.maxPayload !== maxPayload) wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false, handleProtocols: selectProtocol });
    return wss;
  };
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws owns the socket, a reset by the peer must not become an uncaught 'error'.
    socket.on('error', (err) => app.log.debug({ err }, 'Upgrade socket error'));
    const address = request.socket.remoteAddress ?? '';
    try {
      const retryAfter = app.fsevdRate.take(address);
      if (retryAfter > 0) throw Object.assign(new FsevdError('FSEVD_E_RATE_LIMITED', `Too many requests from this address (api.limits.requestsPerSecond); retry in ${retryAfter} s`), { retryAfter });
      app.fsevdAccess.authorize(upgradeCredentials(request, address), 'read');
      if ((request.url ?? '').split('?')[0] !== STREAM_PATH) throw new FsevdError('FSEVD_E_NOT_FOUND', `No WebSocket endpoint at ${request.url}; streams are at ${STREAM_PATH}`);
      hub.admit();
    } catch (err) {
      refuse(socket, err as Error & { retryAfter?: number });
      return;
    }
    serverFor(hub.settings.limits.messageBytes).handleUpgrade(request, socket, head, (ws) => {
      hub.add(new WebSocketConnection(hub, ws, socket, address, app.fsevdRate));
    });
  });
}

/** Answers the upgrade request with an HTTP error and closes the socket. */
function refuse(socket: Duplex, err: Error & { retryAfter?: number }): void {
  const answer = errorBody(err);
  const { statusCode, error } = answer;
  const body = JSON.stringify(answer);
  const headers = [
    `HTTP/1.1 ${statusCode} ${error}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(statusCode === 401 ? ['WWW-Authenticate: Bearer realm="fsevd"'] : []),
    ...(err.retryAfter ? [`Retry-After: ${err.retryAfter}`] : []),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
