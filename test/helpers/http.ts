/**
 * Raw HTTP and WebSocket requests with exactly the headers a test gives (Host and Origin included),
 * for tests of what a server does with headers a browser or a rebinding page would send.
 */
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';

/** A status and, from a JSON error body, its code and message. */
export interface Answer {
  status: number;
  code?: string;
  message?: string;
}

/** One HTTP request with exactly these headers (Host included); an event stream is closed once its status is known. */
export function send(url: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        resolve({ status: res.statusCode! });
        req.destroy();
        return;
      }
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const json = res.headers['content-type']?.startsWith('application/json') ? (JSON.parse(body) as { code?: string; message?: string }) : {};
        resolve({ status: res.statusCode!, code: json.code, message: json.message });
      });
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{"type":"MOUNT"}' : undefined);
  });
}

/** The status and error code of a WebSocket upgrade: 101 when it opened. */
export function upgrade(url: string, options: WebSocket.ClientOptions): Promise<Answer> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => {
      ws.terminate();
      resolve({ status: 101 });
    });
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => {
        const json = JSON.parse(body) as { code: string; message: string };
        resolve({ status: res.statusCode!, code: json.code, message: json.message });
      });
    });
  });
}
