/**
 * @module cluster/api/page
 * The cluster subscriber's web page: GET / (index.html) and GET /cluster-web/page.js, two static
 * files from src/cluster/web/ read when the server starts. They are public (like /healthz): they
 * hold no data; the page reads the API with the token typed into it (loopback reads need none by
 * default). Same-origin Content-Security-Policy, nosniff, no referrer.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { packageRoot } from '../../package-root.ts';

/** Where the files are, from src/ as from the dist/ bundle. */
const WEB_DIR = new URL('src/cluster/web/', packageRoot);
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const FILES = { '/': ['index.html', 'text/html; charset=utf-8'], '/cluster-web/page.js': ['page.js', 'text/javascript; charset=utf-8'], '/cluster-web/page.css': ['page.css', 'text/css; charset=utf-8'] } as const;

async function readPageFile(name: string): Promise<string> {
  const text = await readFile(fileURLToPath(new URL(name, WEB_DIR)), 'utf8').catch(() => undefined);
  if (text === undefined) throw new Error(`cluster web page file ${name} not found in ${fileURLToPath(WEB_DIR)}`);
  return text;
}

/** Registers the page routes. */
export const clusterPage: FastifyPluginAsync = async (app) => {
  for (const [path, [name, type]] of Object.entries(FILES)) {
    const body = await readPageFile(name);
    app.get(path, { config: { public: true } }, async (_request, reply) => reply.headers(SECURITY_HEADERS).type(type).send(body));
  }
};
