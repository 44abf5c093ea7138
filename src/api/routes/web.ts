/**
 * @module api/routes/web
 * The live web page: GET / (index.html) and GET /web/NAME (its ES modules and style sheet), plain
 * static files from src/api/web/ read once when the server starts and kept in memory (a few tens
 * of KiB). No build step, nothing fetched from elsewhere at run time.
 *
 * Where the files are: beside this module when it runs from src/ (tsx), and still in src/api/web/
 * when it runs compiled from dist/ (tsc copies only .ts), so both places are looked at, in order.
 *
 * Access: the files themselves are public (like /healthz). They hold no data, only the code every
 * copy of fsevd ships, and a browser cannot send a bearer token when it navigates, so a page that
 * needed one could never ask for it. Everything the page shows comes from the API with the
 * token typed into it, under the usual rules (read for GET and the stream, admin for changes).
 *
 * Every answer carries a Content-Security-Policy that allows scripts, styles and connections to
 * this origin only (no inline script or style, no framing, no form posts), plus nosniff and
 * no-referrer; ETag / If-None-Match spare the bytes on reload.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { FsevdError } from '../../errors.ts';

/** Where the page's files may be, relative to this module: from src/, then from dist/. */
const CANDIDATE_DIRS = ['../web/', '../../../src/api/web/'];

/** The file served at `/`. */
const INDEX = 'index.html';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Same-origin only: 'self' also covers ws:/wss: to this host and port in current browsers. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The page's routes. */
export const web: FastifyPluginAsync = async (app) => {
  const { assets, looked } = await loadAssets();
  if (!assets.has(INDEX)) app.log.warn({ looked }, 'Web page files not found; GET / answers 404');

  const send = (reply: FastifyReply, name: string, ifNoneMatch: string | undefined) => {
    const asset = assets.get(name);
    if (!asset) throw new FsevdError('FSEVD_E_NOT_FOUND', assets.has(INDEX) ? `No file ${name} in the web page` : `The web page's files were not found (looked in ${looked.join(', ')})`);
    void reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag);
    if (ifNoneMatch === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  };
  const options = { config: { public: true }, schema: { hide: true } };
  app.get('/', options, async (request, reply) => send(reply, INDEX, request.headers['if-none-match']));
  app.get<{ Params: { name: string } }>('/web/:name', options, async (request, reply) => send(reply, request.params.name, request.headers['if-none-match']));
};

/** Reads every servable file of the first candidate directory that exists; never throws. */
async function loadAssets(): Promise<{ assets: Map<string, Asset>; looked: string[] }> {
  const looked = CANDIDATE_DIRS.map((dir) => fileURLToPath(new URL(dir, import.meta.url)));
  for (const dir of looked) {
    const names = await readdir(dir).catch(() => undefined);
    if (!names) continue;
    const assets = new Map<string, Asset>();
    for (const name of names) {
      const type = CONTENT_TYPES[extname(name)];
      if (!type) continue;
      const body = await readFile(dir + name);
      assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    }
    return { assets, looked };
  }
  return { assets: new Map(), looked };
}
