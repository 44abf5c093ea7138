/**
 * Web page benchmark (needs root and Debian's chromium): the page at `/` of a daemon holding
 * 1,000 extra tmpfs mounts, in headless chromium driven by playwright-core, with and without a
 * feed of 1,000 events/s.
 *
 * - First paint: first-contentful-paint, and when the mount rows (1,000 and the machine's) are painted (the
 *   first animation frame after they are in the table), from navigation start. Baseline in the
 *   same run: a bare static page with the same 1,000 rows already in its HTML, served by a plain
 *   node:http server (what showing the rows costs with no script at all).
 * - Responsiveness: long tasks (PerformanceObserver 'longtask', main-thread work > 50 ms) and the
 *   longest gap between animation frames, over WINDOW_MS while this process POSTs batches of
 *   events to /api/v1/events (admin token) at 1,000 events/s spread over the tmpfs mounts, next
 *   to the same page over the same window with no events (its periodic refreshes still run).
 * Targets: rows painted ≤ 1 s; no long task over 100 ms while the feed runs.
 *
 * Run: node --import tsx bench/web-page.ts        (FSEVD_BENCH_QUICK=1: one short round)
 * Writes the `web-page` section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { inPrivateMountNamespace, isRoot, mountDir, mountsUnder, namespaceNote } from './lib/mounts.ts';
import { FSEVD_BIN, getJson, main, onCleanup, sleep, startReady, tempDir } from './lib/proc.ts';
import { fmt, medianRange, note, RunContext, summarize, table, writeSection } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const ROUNDS = QUICK ? 1 : 3;
const WINDOW_MS = QUICK ? 5_000 : 20_000;
/** Extra mounts the daemon holds: small tmpfs, each its own filesystem. */
const MOUNTS = 1000;
const RATE = 1000;
const BATCH = 100;
const TOKEN = 'bench-web-page-admin-token-0123456789';
const CHROMIUM = '/usr/bin/chromium';
const TARGET_PAINT_MS = 1000;
/** A screenful of mount rows (the 1400×1000 viewport shows about 15). */
const FIRST_ROWS = 20;
const TARGET_STALL_MS = 100;
/** Nice value of the renderer in the "favoured" measurements (root may lower it). */
const FAVOURED_NICE = -10;
/** Event types that correlation never folds, so each injected event is one event in the feed. */
const TYPES = ['QUOTA_BLOCKS_SOFT', 'QUOTA_INODES_SOFT', 'THR_LRBELOW', 'THR_LRABOVE'];

interface Sample {
  fcp: number;
  /** The first animation frame after a screenful (FIRST_ROWS) of mount rows is in the page, ms from navigation start. */
  firstRowsPainted: number;
  rowsPainted: number;
  longTasks: number[];
  maxFrameGap: number;
  /** CPU time of chromium's renderer processes over the window, % of one core (not inflated by waiting for a CPU, unlike task durations). */
  rendererCpu: number;
  received: number;
  injected: number;
}

/**
 * Counts main-thread long tasks and frame gaps from the page's first moment (runs before its
 * scripts). A string, not a function: tsx's transform would add helper calls the page lacks.
 */
const PROBE = `
  window.probe = { longTasks: [], gaps: [] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.probe.longTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: 'longtask', buffered: true });
  let last = performance.now();
  const frame = (now) => {
    window.probe.gaps.push([now, now - last]);
    last = now;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
`;

/** What a measurement loads and waits for: `rows` elements matching `selector`, and `live` (a selector) saying "live" when the page follows the stream. */
interface Target {
  url: string;
  selector: string;
  rows: number;
  live?: string;
  /** An expression the page evaluates to the events it has received so far (updated once a second). */
  received?: string;
}

/** Loads the target, waits until it is ready, then measures over the window while `load` runs. */
async function measure(browser: Browser, { url, selector, rows, live, received: counter = '0' }: Target, load?: (ms: number) => Promise<number>, favoured = false): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const page = await context.newPage();
    await page.addInitScript({ content: PROBE });
    // The page's renderer first in line for a CPU: what the page costs, without the wait for a core that the daemon, the injector and the rest of the machine are using.
    if (favoured) execFileSync('renice', ['-n', String(FAVOURED_NICE), '-p', ...(await rendererPids(browser)).map(String)], { stdio: 'ignore' });
    await page.goto(url);
    const paintedWith = async (n: number) => {
      await page.waitForFunction(([s, count]) => document.querySelectorAll(s as string).length >= (count as number), [selector, n], { polling: 'raf', timeout: 60_000 });
      return page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now()))));
    };
    const firstRowsPainted = await paintedWith(Math.min(FIRST_ROWS, rows));
    const rowsPainted = await paintedWith(rows);
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
    if (live) await page.locator(live, { hasText: 'live' }).waitFor({ timeout: 10_000 });
    await sleep(1000);
    const from = await page.evaluate(() => performance.now());
    const cpuBefore = await rendererCpuSeconds(browser);
    const receivedBefore = Number(await page.evaluate(counter));
    const injected = load ? await load(WINDOW_MS) : (await sleep(WINDOW_MS), 0);
    const to = await page.evaluate(() => performance.now());
    // The counters are written once a second: wait for the last of the window's events to be counted.
    await sleep(1200);
    const received = Number(await page.evaluate(counter)) - receivedBefore;
    const rendererCpu = (100 * (await rendererCpuSeconds(browser) - cpuBefore) * 1000) / (to - from);
    const { longTasks, gaps } = await page.evaluate(() => (window as unknown as { probe: { longTasks: Array<[number, number]>; gaps: Array<[number, number]> } }).probe);
    const inWindow = (start: number) => start >= from && start <= to;
    return {
      fcp,
      firstRowsPainted,
      rowsPainted,
      longTasks: longTasks.filter(([start]) => inWindow(start)).map(([, duration]) => duration),
      maxFrameGap: Math.max(0, ...gaps.filter(([at]) => inWindow(at)).map(([, gap]) => gap)),
      rendererCpu,
      received,
      injected,
    };
  } finally {
    await context.close();
  }
}

/**
 * MOUNTS small tmpfs mounts under `dir` (one `sh -c` loop), each its own filesystem. Not bind mounts
 * of one filesystem: fsevd attributes an event to the filesystem and lists every other mount of it
 * in data.alsoMountedAt, so with 1,000 binds of one tmpfs each event is ~42 KB and the benchmark
 * would measure that JSON, not the page.
 */
function mountTmpfsFarm(dir: string): void {
  execFileSync('sh', ['-c', 'i=0; while [ "$i" -lt "$2" ]; do mkdir "$1/$i" && mount -t tmpfs -o size=64k,mode=700 fsevd-bench-web "$1/$i" || exit 1; i=$((i+1)); done', 'sh', dir, String(MOUNTS)], { stdio: 'inherit' });
}

/** chromium's renderer processes: their pids and CPU seconds so far (one page open at a time: that page's). */
async function renderers(browser: Browser): Promise<Array<{ id: number; cpuTime: number }>> {
  const session = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number; cpuTime: number }> };
    return processInfo.filter((p) => p.type === 'renderer');
  } finally {
    await session.detach();
  }
}

const rendererCpuSeconds = async (browser: Browser) => (await renderers(browser)).reduce((sum, p) => sum + p.cpuTime, 0);
const rendererPids = async (browser: Browser) => (await renderers(browser)).map((p) => p.id);

/** POSTs BATCH events every BATCH/RATE s for `ms`, spread over the mounts under `dir`; resolves to the events accepted. */
async function injectFor(url: string, dir: string, ms: number): Promise<number> {
  const started = performance.now();
  let accepted = 0;
  for (let round = 0; performance.now() - started < ms; round++) {
    const events = Array.from({ length: BATCH }, (_, i) => ({ type: TYPES[(round + i) % TYPES.length], mountpoint: `${dir}/${(round * BATCH + i) % MOUNTS}` }));
    const response = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(events) });
    if (response.status !== 202) throw new Error(`inject: ${response.status} ${await response.text()}`);
    accepted += ((await response.json()) as { seqs: Array<number | null> }).seqs.filter((s) => s !== null).length;
    const due = started + ((round + 1) * BATCH * 1000) / RATE;
    await sleep(Math.max(0, due - performance.now()));
  }
  return accepted;
}

/**
 * The baselines, on a plain node:http server: `/` a static page with the rows already in its HTML
 * and no script; `/feed` a page whose only script subscribes to fsevd's stream and counts the
 * events (JSON.parse of every message, no DOM), so its long tasks are what the machine and the
 * stream alone cost a page.
 */
async function bareServer(dir: string, wsUrl: string): Promise<string> {
  const cell = (text: string) => `<td>${text.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</td>`;
  const rows = Array.from({ length: MOUNTS }, (_, i) =>
    `<tr class="bind">${cell(`${dir}/${i}`)}${cell('0 % · 1.0 MiB free of 1.0 MiB')}${cell('L1 10% · L2 5% (default)')}${cell('–')}${cell('available')}<td><button>Edit</button></td></tr>`);
  const pages: Record<string, string> = {
    '/': `<!doctype html><html><head><meta charset="utf-8"><title>bare</title></head><body><table><tbody>${rows.join('')}</tbody></table></body></html>`,
    '/feed': `<!doctype html><meta charset="utf-8"><title>bare feed</title><p id="state">connecting</p><p id="count">0</p><script>
      let count = 0;
      const ws = new WebSocket(${JSON.stringify(wsUrl)});
      ws.onmessage = (message) => {
        const m = JSON.parse(message.data);
        if (m.type === 'hello') ws.send(JSON.stringify({ op: 'subscribe', id: 'a' }));
        if (m.type === 'subscribed') document.getElementById('state').textContent = 'live';
        if (m.type === 'events') count += m.events.length;
      };
      setInterval(() => { document.getElementById('count').textContent = String(count); }, 1000);
    </script>`,
  };
  const server = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pages[req.url ?? '/'] ?? ''));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup('stop the bare page server', () => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

await inPrivateMountNamespace(fileURLToPath(import.meta.url));

await main(async () => {
  if (!isRoot) throw new Error('web-page needs root (it mounts 1,000 tmpfs)');
  if (!existsSync(CHROMIUM)) {
    note(`web-page: skipped: ${CHROMIUM} is not installed (Debian package chromium)`);
    return;
  }
  const ctx = new RunContext();
  const { dir: farm, teardown } = await mountDir('fsevd-bench-web-mounts-');
  mountTmpfsFarm(farm);
  const state = await tempDir('fsevd-bench-web-');
  const config = join(state.dir, 'fsevd.yaml');
  writeFileSync(config, `logEvents: false\napi:\n  tokens:\n    - { name: bench, role: admin, token: "${TOKEN}" }\n`);
  const fsevd = await startReady({ label: 'fsevd', args: [FSEVD_BIN, 'run', '--listen', '127.0.0.1:0', '--state-dir', join(state.dir, 'state'), '--log-level', 'info', '--config', config] });
  for (;;) {
    const { mounts } = await getJson<{ mounts: Array<{ mountpoint: string }> }>(fsevd.url, '/api/v1/mounts');
    if (mounts.filter((m) => m.mountpoint.startsWith(`${farm}/`)).length >= MOUNTS) break;
    await sleep(200);
  }
  const { mounts } = await getJson<{ mounts: unknown[] }>(fsevd.url, '/api/v1/mounts');
  const bare = await bareServer(farm, `${fsevd.url.replace('http', 'ws')}/api/v1/stream`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  onCleanup('close chromium', () => browser.close());

  // The page's cursor is the seq of the last event it received; with no filter it receives every event.
  const cursor = "Number(/cursor (\\d+)/.exec(document.getElementById('feed-status').textContent)?.[1] ?? 0)";
  // The page renders the list it reads whole, so MOUNTS rows means all of them (whatever the machine's own mounts do meanwhile).
  const page: Target = { url: `${fsevd.url}/`, selector: '#mounts .rows > .row', rows: MOUNTS, live: '#connection', received: cursor };
  const results = { bare: [] as Sample[], bareFeed: [] as Sample[], idle: [] as Sample[], feed: [] as Sample[], bareFeedFavoured: [] as Sample[], feedFavoured: [] as Sample[] };
  const inject = (ms: number) => injectFor(fsevd.url, farm, ms);
  const bareFeed: Target = { url: `${bare}/feed`, selector: '#count', rows: 1, live: '#state', received: "Number(document.getElementById('count').textContent)" };
  for (let round = 0; round < ROUNDS; round++) {
    results.bare.push(await measure(browser, { url: `${bare}/`, selector: 'tr.bind', rows: MOUNTS }));
    results.bareFeed.push(await measure(browser, bareFeed, inject));
    results.idle.push(await measure(browser, page));
    results.feed.push(await measure(browser, page, inject));
    results.bareFeedFavoured.push(await measure(browser, bareFeed, inject, true));
    results.feedFavoured.push(await measure(browser, page, inject, true));
    const f = results.feed.at(-1)!;
    note(`web-page: round ${round + 1}: rows painted ${fmt(f.rowsPainted, 0)} ms, long tasks ${f.longTasks.length} (max ${fmt(Math.max(0, ...f.longTasks), 0)} ms), ${f.received}/${f.injected} events received`);
  }
  await browser.close();
  await fsevd.stop();
  await teardown();
  const clean = mountsUnder(farm).length === 0;

  const med = (samples: Sample[], pick: (s: Sample) => number) => summarize(samples.map(pick));
  const paintRow = (label: string, samples: Sample[]) => [label, ...[(s: Sample) => s.fcp, (s: Sample) => s.firstRowsPainted, (s: Sample) => s.rowsPainted].map((pick) => medianRange(med(samples, pick), 'ms', 0))];
  const stallRow = (label: string, samples: Sample[]) => [
    label,
    medianRange(med(samples, (s) => s.longTasks.length), '', 0),
    medianRange(med(samples, (s) => Math.max(0, ...s.longTasks)), 'ms', 0),
    medianRange(med(samples, (s) => s.longTasks.reduce((a, b) => a + b, 0)), 'ms', 0),
    medianRange(med(samples, (s) => s.maxFrameGap), 'ms', 0),
    medianRange(med(samples, (s) => s.rendererCpu), '%', 0),
    samples.some((s) => s.injected) ? `${fmt(med(samples, (s) => s.injected / (WINDOW_MS / 1000)).median, 0)} / ${fmt(med(samples, (s) => s.received / (WINDOW_MS / 1000)).median, 0)}` : '–',
  ];
  const loads = results.feed.concat(results.idle);
  const rowsFsevd = med(loads, (s) => s.rowsPainted).median;
  const rowsBare = med(results.bare, (s) => s.rowsPainted).median;
  const firstFsevd = med(loads, (s) => s.firstRowsPainted).median;
  const firstBare = med(results.bare, (s) => s.firstRowsPainted).median;
  const worstStall = Math.max(...results.feed.map((s) => Math.max(0, ...s.longTasks)));
  const longest = (samples: Sample[]) => med(samples, (s) => Math.max(0, ...s.longTasks)).median;
  const cpu = (samples: Sample[]) => med(samples, (s) => s.rendererCpu).median;
  /** "N× the bare stream page's M ms", or just its figure when it had no long task (no ratio to take). */
  const versusBare = (page: Sample[], bareStream: Sample[]) => {
    const [mine, theirs] = [longest(page), longest(bareStream)];
    return theirs > 0 ? `${fmt(mine / theirs, 2)}× the bare stream page's ${fmt(theirs, 0)} ms` : 'the bare stream page had none over 50 ms';
  };
  const body = [
    ctx.preamble('Web page: first paint and responsiveness with 1,000 mounts and 1,000 events/s', 'bench/web-page.ts'),
    `- Method: fsevd (\`node bin/fsevd.js run … --config <admin token, logEvents: false>\`) with ${MOUNTS} extra tmpfs mounts (${mounts.length} mounts in all); headless Debian chromium (${browser.version()}, via playwright-core, 1400×1000) opens \`/\` in a fresh context per measurement. "Painted" = the first animation frame after that many mount rows are in the table, from navigation start. Then over ${WINDOW_MS / 1000} s: long tasks (PerformanceObserver 'longtask') and the longest gap between animation frames, with this process POSTing batches of ${BATCH} events every ${BATCH * 1000 / RATE} ms (${RATE} events/s, types never folded by correlation, spread over the tmpfs mounts, so every mount's row is marked for a re-read) — or none (idle). Baselines, from a plain node:http server in the same run: a bare static page with ${MOUNTS} similar rows already in its HTML and no script (first paint), and a bare stream page whose only script subscribes to the same stream and counts events (JSON.parse of each message, no DOM: what the stream and the machine cost any page). Renderer CPU = CPU time of chromium's renderer processes over the window (CDP SystemInfo.getProcessInfo), which waiting for a CPU does not inflate, unlike task durations. ${ROUNDS} rounds, alternating. The machine is shared with other engineers' work (2 cores): read the ranges.`,
    `- Mount namespace: ${namespaceNote().replace('its 1,000 binds', `its ${MOUNTS} tmpfs`)}`,
    '',
    table(['page', 'first contentful paint', `first ${FIRST_ROWS} mount rows painted`, 'all mount rows painted'], [paintRow('**fsevd page, feed running**', results.feed), paintRow('fsevd page, idle', results.idle), paintRow(`bare static page, ${MOUNTS} rows in the HTML`, results.bare)]),
    '',
    table(['page, while', 'long tasks (count)', 'longest task', 'long-task time', 'longest frame gap', 'renderer CPU', 'events/s injected / received by the page'], [
      stallRow('**fsevd page, feed running**', results.feed),
      stallRow('bare stream page (parse and count only), feed running', results.bareFeed),
      stallRow(`**fsevd page, feed running, renderer at nice ${FAVOURED_NICE}**`, results.feedFavoured),
      stallRow(`bare stream page, feed running, renderer at nice ${FAVOURED_NICE}`, results.bareFeedFavoured),
      stallRow('fsevd page, idle (no events)', results.idle),
      stallRow('bare static page', results.bare),
    ]),
    '',
    `- First paint of the mounts (a screenful, ${FIRST_ROWS} rows): ${fmt(firstFsevd, 0)} ms (median of every fsevd load), ${fmt(firstFsevd / firstBare, 2)}× the bare static page (${fmt(firstBare, 0)} ms); target ≤ ${TARGET_PAINT_MS} ms: ${firstFsevd <= TARGET_PAINT_MS ? '**met**' : '**not met**'}. All ${MOUNTS}+ rows: ${fmt(rowsFsevd, 0)} ms, ${fmt(rowsFsevd / rowsBare, 2)}× the bare page (${fmt(rowsBare, 0)} ms): the page places 200 rows per animation frame, top first.`,
    `- Longest main-thread task while the feed ran: ${fmt(worstStall, 0)} ms (worst of ${ROUNDS} rounds; median ${fmt(longest(results.feed), 0)} ms, ${versusBare(results.feed, results.bareFeed)}; idle page: ${fmt(longest(results.idle), 0)} ms); target: none over ${TARGET_STALL_MS} ms: ${worstStall <= TARGET_STALL_MS ? '**met**' : '**not met**'}.`,
    `- With the renderer first in line for a CPU (nice ${FAVOURED_NICE}): longest task ${fmt(Math.max(...results.feedFavoured.map((s) => Math.max(0, ...s.longTasks))), 0)} ms (worst of ${ROUNDS}; median ${fmt(longest(results.feedFavoured), 0)} ms, ${versusBare(results.feedFavoured, results.bareFeedFavoured)}); target: none over ${TARGET_STALL_MS} ms: ${Math.max(...results.feedFavoured.map((s) => Math.max(0, ...s.longTasks))) <= TARGET_STALL_MS ? '**met**' : '**not met**'}.`,
    `- Renderer CPU while the feed ran: ${fmt(cpu(results.feed), 0)} % of a core, ${fmt(cpu(results.feed) / Math.max(0.1, cpu(results.bareFeed)), 2)}× the bare stream page (${fmt(cpu(results.bareFeed), 0)} %); idle page ${fmt(cpu(results.idle), 0)} %.`,
  ].join('\n');
  writeSection('web-page', `${body}\n\nTeardown: all ${MOUNTS} tmpfs unmounted, ${clean ? 'verified in /proc/self/mountinfo' : '**mounts left behind**'}.\n\nWhy tmpfs and not bind mounts: fsevd attributes an event to the filesystem and lists every other mount of it in \`data.alsoMountedAt\`; with 1,000 bind mounts of one tmpfs each event was ~42 KB (42 MB/s of JSON at 1,000 events/s), which dominated everything the page did.`);
});
