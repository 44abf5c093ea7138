/**
 * Helper for bench/startup.ts: imports the module specifiers given after its own path, one after
 * the other, and prints one JSON line on stdout with the ms each import took, the total, and the
 * RSS (MiB) afterwards, then exits. Run plain and through tsx (bench/baseline/with-tsx.mjs) it
 * shows what the loader adds per module graph (fsevd's dependencies, then fsevd's own .ts).
 *
 * Run: node bench/baseline/import-probe.mjs fastify pino @sinclair/typebox
 *      node bench/baseline/with-tsx.mjs bench/baseline/import-probe.mjs fastify file:///…/src/daemon.ts
 */
const self = process.argv.findIndex((arg) => arg.endsWith('import-probe.mjs'));
const specifiers = process.argv.slice(self + 1);
const times = {};
const started = performance.now();
for (const specifier of specifiers) {
  const t0 = performance.now();
  await import(specifier);
  times[specifier] = performance.now() - t0;
}
const totalMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ times, totalMs, rssMiB: process.memoryUsage().rss / 1048576 })}\n`);
