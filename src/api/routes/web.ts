/**
 * @module api/routes/web
 * The live web page: GET / (index.html) and GET /web/NAME (its ES modules and style sheet), plain
 * static files from src/api/web/ read on the first request and then kept in memory (a few tens
 * of KiB; not at start-up, which a daemon nobody browses would pay for nothing). No build step,
 * nothing fetched from elsewhere at run time. They stay in src/api/web/ (under the package root)
 * whether fsevd runs from src/ or from the dist/ bundle.
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
import { packageRoot } from '../../package-root.ts';

/** Where the page's files are. */
const WEB_DIR = fileURLToPath(new URL('src/api/web/', packageRoot));

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
  // Read once, by whichever request comes first; later requests share the same promise.
  let loaded: Promise<Map<string, Asset>> | undefined;
  const assetsOnce = () => {
    loaded ??= loadAssets().then((assets) => {
      if (!assets.has(INDEX)) app.log.warn({ dir: WEB_DIR }, 'Web page files not found; GET / answers 404');
      return assets;
    });
    return loaded;
  };

  const send = async (reply: FastifyReply, name: string, ifNoneMatch: string | undefined) => {
    const assets = await assetsOnce();
    const asset = assets.get(name);
    if (!asset) throw new FsevdError('FSEVD_E_NOT_FOUND', assets.has(INDEX) ? `No file ${name} in the web page` : `The web page's files were not found (looked in ${WEB_DIR})`);
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

/** Reads every servable file of WEB_DIR (none when it cannot be listed); never throws. */
async function loadAssets(): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  const names = await readdir(WEB_DIR).catch(() => [] as string[]);
  for (const name of names) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type) continue;
    const body = await readFile(WEB_DIR + name).catch(() => undefined);
    if (body) assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}
