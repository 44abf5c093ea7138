/**
 * fsevd as the systemd unit runs it (README "Run without root"): a non-root user with the unit's
 * ambient capabilities, bounding set and no_new_privs, given by setpriv exactly as systemd would
 * (systemd is not PID 1 here). Proves on the real kernel that the process is not uid 0 and still
 * marks a filesystem mounted after start (in a directory its user cannot search) whose ext4 error
 * reaches a client, reads /dev/kmsg and samples statfs; that each missing capability takes down
 * what needs it with the reason in /api/v1/sources; and that programs it starts get no capabilities.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MountState, SourceHealth } from '../../src/collector/types.ts';
import { loadNative } from '../../src/native/binding.ts';
import { capabilityNames } from '../../src/util/capabilities.ts';
import { startDaemon, type DaemonProcess } from '../helpers/daemon.ts';
import { loopMount, makeExt4Image, needRoot, tempDir, waitFor } from '../helpers/system.ts';
import { setprivLikeUnit, shippedUnit, unitCapabilities } from './unit-file.ts';

/** The unprivileged user the tests run the daemon as (nobody). */
const UID = 65534;
const GID = 65534;

type Health = SourceHealth & { name: string; detail?: { superblocks?: Array<{ mountpoint: string; state: string; reason?: string }> } };

/** Skips unless the test can switch users and the native addon (fanotify, kmsg) is built. */
function prerequisites(t: TestContext): boolean {
  if (!needRoot(t)) return false;
  if (spawnSync('setpriv', ['--version']).status !== 0) return void t.skip('setpriv (util-linux) is not installed'), false;
  const native = loadNative();
  if (!native.ok || typeof native.native.restrictChildCapabilities !== 'function') return void t.skip(`native addon unavailable: ${native.ok ? 'stale build' : native.reason}`), false;
  return true;
}

/** A directory the test user owns, with `private/` inside that only root may search. */
async function layout(t: TestContext): Promise<{ dir: string; hidden: string }> {
  const dir = await tempDir(t);
  await chown(dir, UID, GID);
  const hidden = join(dir, 'private');
  await mkdir(join(hidden, 'mnt'), { recursive: true });
  await chmod(hidden, 0o700);
  return { dir, hidden };
}

async function sources(daemon: DaemonProcess): Promise<Health[]> {
  return (await daemon.get<{ sources: Health[] }>('/api/v1/sources')).sources;
}

async function mount(daemon: DaemonProcess, mountpoint: string): Promise<MountState> {
  return waitFor(`the daemon to list ${mountpoint}`, async () => (await daemon.get<{ mounts: MountState[] }>('/api/v1/mounts')).mounts.find((m) => m.mountpoint === mountpoint));
}

/** /proc/PID/status fields as the kernel prints them. */
async function procStatus(pid: number): Promise<Record<string, string>> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Object.fromEntries(text.split('\n').map((line) => line.split(':\t')).filter((kv) => kv.length === 2).map(([k, v]) => [k!, v!.trim()]));
}

test('as a non-root user with the unit\'s capabilities every source works, on mounts made after start too', async (t) => {
  if (!prerequisites(t)) return;
  const unit = shippedUnit();
  const { dir, hidden } = await layout(t);
  const daemon = await startDaemon(t, join(dir, 'state'), [], setprivLikeUnit(unit, UID, GID));

  const status = await procStatus(daemon.child.pid!);
  assert.equal(status.Uid, `${UID}\t${UID}\t${UID}\t${UID}`, 'the process serving HTTP is not root');
  assert.deepEqual(capabilityNames(status.CapEff!).map((c) => c.replace(/^CAP_/, '').toLowerCase()).sort(), unitCapabilities(unit, 'AmbientCapabilities').sort());
  assert.equal(status.CapAmb, '0000000000000000', 'the ambient set is emptied so that hooks get nothing');
  assert.equal(status.CapInh, '0000000000000000');
  for (const name of ['mountinfo', 'fanotify', 'kmsg', 'sysfs', 'statfs']) {
    const health = (await sources(daemon)).find((s) => s.name === name);
    assert.equal(health?.state, 'up', `${name}: ${health?.reason}`);
  }

  // Mounted after the daemon started, below a directory its user cannot search.
  const mountpoint = join(hidden, 'mnt');
  await loopMount(t, await makeExt4Image(dir), mountpoint, 'loop,errors=continue');
  await waitFor('the new mount marked by fanotify', async () => {
    const sb = (await sources(daemon)).find((s) => s.name === 'fanotify')?.detail?.superblocks?.find((s) => s.mountpoint === mountpoint);
    assert.notEqual(sb?.state, 'not-marked', `not marked: ${sb?.reason}`);
    return sb?.state === 'marked' ? true : undefined;
  });
  const state = await waitFor('a statfs sample of the new mount', async () => {
    const m = await mount(daemon, mountpoint);
    return m.space ? m : undefined;
  });
  assert.ok(state.space!.sizeBytes > 0);
  const since = (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;
  await writeFile(`/sys/fs/ext4/${state.device.replace('/dev/', '')}/trigger_fs_error`, 'non-root daemon');
  const event = await waitFor('FS_ERROR from fanotify', async () =>
    (await daemon.events(since)).find((e) => e.type === 'FS_ERROR' && e.mountpoint === mountpoint && e.sources.includes('fanotify')),
  );
  assert.equal(event.data.errno, 117);
});

test('without a capability, what needs it goes down or stays unread, and says why', async (t) => {
  if (!prerequisites(t)) return;
  const unit = shippedUnit();
  const { dir, hidden } = await layout(t);
  const mountpoint = join(hidden, 'mnt');
  await loopMount(t, await makeExt4Image(dir), mountpoint);

  await t.test('no CAP_DAC_READ_SEARCH: a mount below an unsearchable directory is neither marked nor sampled', async (t) => {
    const caps = unitCapabilities(unit, 'AmbientCapabilities').filter((c) => c !== 'dac_read_search');
    const daemon = await startDaemon(t, join(dir, 'state-1'), [], setprivLikeUnit(unit, UID, GID, caps));
    const sb = await waitFor('fanotify to try the mount', async () =>
      (await sources(daemon)).find((s) => s.name === 'fanotify')?.detail?.superblocks?.find((s) => s.mountpoint === mountpoint && (s.state === 'marked' || s.state === 'not-marked')),
    );
    assert.equal(sb.state, 'not-marked');
    assert.match(sb.reason ?? '', /EACCES/);
    const probe = await waitFor('statfs to try the mount', async () => (await mount(daemon, mountpoint)).probe?.lastError);
    assert.equal(probe, 'EACCES');
    assert.equal((await mount(daemon, mountpoint)).available, true, 'a permission error says nothing about availability');
  });

  await t.test('no capabilities: fanotify and (with dmesg_restrict=1) kmsg are down with the reason', async (t) => {
    const daemon = await startDaemon(t, join(dir, 'state-2'), [], setprivLikeUnit(unit, UID, GID, []));
    const health = await sources(daemon);
    const byName = (name: string) => health.find((s) => s.name === name);
    assert.equal(byName('fanotify')?.state, 'down');
    assert.match(byName('fanotify')?.reason ?? '', /CAP_SYS_ADMIN/);
    if ((await readFile('/proc/sys/kernel/dmesg_restrict', 'utf8')).trim() === '1') {
      assert.equal(byName('kmsg')?.state, 'down');
      assert.match(byName('kmsg')?.reason ?? '', /kmsg.*EPERM.*CAP_SYSLOG/);
    }
    for (const name of ['mountinfo', 'sysfs', 'statfs']) assert.equal(byName(name)?.state, 'up', `${name} needs no capability`);
  });
});

test('programs the daemon starts get none of its capabilities', async (t) => {
  if (!prerequisites(t)) return;
  const unit = shippedUnit();
  const module = fileURLToPath(new URL('../../src/util/capabilities.ts', import.meta.url));
  // Spawns a child before and after restricting; each reports its own CapEff.
  const script = `
    import { spawnSync } from 'node:child_process';
    import { readFileSync } from 'node:fs';
    import { restrictChildCapabilities } from ${JSON.stringify(module)};
    const child = () => /CapEff:\\s*(\\w+)/.exec(spawnSync('cat', ['/proc/self/status'], { encoding: 'utf8' }).stdout)[1];
    const before = child();
    const privileges = await restrictChildCapabilities();
    const self = /CapEff:\\s*(\\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1];
    console.log(JSON.stringify({ before, after: child(), self, privileges }));`;
  const [setpriv, ...args] = setprivLikeUnit(unit, UID, GID);
  const out = spawnSync(setpriv!, [...args, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  assert.equal(out.status, 0, out.stderr);
  const result = JSON.parse(out.stdout) as { before: string; after: string; self: string; privileges: { uid: number; capabilities: string[]; children: string } };
  assert.ok(capabilityNames(result.before).includes('CAP_SYS_ADMIN'), 'without restricting, a child inherits the ambient set');
  assert.equal(result.after, '0000000000000000', 'after restricting, a child gets no capability');
  assert.deepEqual(capabilityNames(result.self), capabilityNames(result.before), 'the daemon keeps its own');
  assert.deepEqual(result.privileges, { uid: UID, capabilities: capabilityNames(result.self), children: 'none' });
});
