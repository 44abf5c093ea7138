/**
 * Runs a module through tsx's ESM loader exactly the way bin/fsevd.js runs src/cli.ts
 * (register(), then a dynamic import), so bench/startup.ts can show what the loader alone costs
 * by starting the same bare baseline with and without it.
 *
 * Run: node bench/baseline/with-tsx.mjs bench/baseline/bare-server.mjs
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
await import(pathToFileURL(resolve(process.argv[2])).href);
