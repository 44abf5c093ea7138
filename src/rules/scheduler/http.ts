/**
 * @module rules/scheduler/http
 * One HTTP(S) request for the drivers that talk to an API (Kubernetes, Nomad): optional CA for
 * TLS, a time limit, the rule's abort signal, a bounded body, JSON decoded when it is JSON.
 * Network errors and timeouts become a retryable `failed` step; HTTP statuses are the caller's.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { failed, ok, type Step } from './drain-action.ts';

/** One request. */
export interface HttpCall {
  url: string;
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** PEM CA certificates to trust (https). */
  ca?: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** A response. */
export interface HttpReply {
  status: number;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  text: string;
}

/** Largest body read; a node object is a few kilobytes. */
const MAX_BODY = 4 * 1024 * 1024;

/** Sends one request; resolves to the reply whatever its status. */
export function sendHttp(call: HttpCall): Promise<Step<HttpReply>> {
  const signal = AbortSignal.any([call.signal, AbortSignal.timeout(call.timeoutMs)]);
  const url = new URL(call.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const headers = { accept: 'application/json', ...call.headers, ...(call.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(call.body)) }) };
    const req = send(url, { method: call.method, headers, ca: call.ca, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      res.on('error', (err) => resolve(failed(`${call.method} ${url.pathname}: ${err.message}`, true)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve(ok({ status: res.statusCode ?? 0, json: parseJson(text), text }));
      });
    });
    req.on('error', (err) => {
      const why = call.signal.aborted ? 'aborted' : signal.aborted ? `timed out after ${call.timeoutMs} ms` : err.message;
      resolve(failed(`${call.method} ${url.origin}${url.pathname}: ${why}`, true));
    });
    req.end(call.body);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
