/**
 * Builds dist/: src/cli.ts and everything it imports, node_modules included, bundled by esbuild
 * into ES modules at the top of dist/ (dist/fsevd.js, plus one chunk per lazily imported part
 * such as the non-`run` commands and the OpenAPI generator), then touches dist/.build-stamp,
 * which bin/fsevd.js compares with src/ to decide between dist/ and the sources through tsx.
 *
 * Why a bundle: Node's ESM loader costs about as much per file as the file's code (resolve,
 * stat, read, compile, link); fsevd and its dependencies are several hundred files, which made
 * module loading most of the daemon's start-up time and a good part of its idle memory.
 *
 * Every output file sits directly in dist/, so `new URL('../', import.meta.url)` is the package
 * root from the bundle as from src/*.ts (src/package-root.ts relies on it). Kept out of the
 * bundle: `netlink` (its native addon is found through node-gyp-build's paths), the optional
 * native speed-ups of `ws` (absent unless installed). Runs with plain node (no tsx): it is part of
 * `npm install`, and esbuild does not type-check (`npm run typecheck` does).
 *
 * Run: node scripts/build.mjs [OUTDIR]   (npm run build; OUTDIR, default dist, must be a
 * directory directly under the package root, for the reason above: the tests build elsewhere so
 * as not to pull dist/ from under daemons that other tests start)
 */
import { rename, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = resolve(root, process.argv[2] ?? 'dist');
if (dirname(outdir) !== resolve(root)) {
  process.stderr.write(`build: ${outdir} is not directly under ${root}: the bundle could not find package.json, native/ and src/*/web/\n`);
  process.exit(2);
}

// The stamp carries the time the build read src/, not when it finished: a file edited during the
// build must still count as newer than the build.
const started = new Date();
// Built beside, then swapped in: a daemon starting meanwhile finds the old build or the new one,
// never half of one, and a failed build leaves no stamp that would claim otherwise.
const staging = `${outdir}.staging-${process.pid}`;
const old = `${outdir}.old-${process.pid}`;
try {
  await build({
    absWorkingDir: root,
    entryPoints: { fsevd: 'src/cli.ts' },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    // Packages with native parts or optional native speed-ups stay ordinary imports.
    external: ['netlink', 'bufferutil', 'utf-8-validate'],
    // The bundled CommonJS packages (fastify, pino, prom-client…) call require() for node built-ins;
    // an ES module has none, so every output file gets one.
    banner: { js: "import { createRequire as __fsevdCreateRequire } from 'node:module'; const require = __fsevdCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  await writeFile(`${staging}/.build-stamp`, '');
  await utimes(`${staging}/.build-stamp`, started, started);
  await rename(outdir, old).catch((err) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rename(staging, outdir);
} catch (err) {
  // esbuild has already printed its messages (file, line, what is wrong).
  if (!Array.isArray(err?.errors)) process.stderr.write(`build: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await rm(staging, { recursive: true, force: true });
  await rm(old, { recursive: true, force: true });
}
