/**
 * A bindfs FUSE server run in the foreground, so that a test can stop (SIGSTOP) and continue it.
 * Call fuseServers(t) before tempDir(t): node:test runs after-hooks in registration order, and
 * this cleanup (SIGCONT, SIGKILL, lazy unmount) must run first, because unmounting the temp dir
 * while a server is stopped would hang.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { run } from './system.ts';
import { onCleanup } from './cleanup.ts';

/** Path of bindfs (Debian package bindfs), or undefined. */
export const BINDFS = ['/usr/bin/bindfs', '/bin/bindfs'].find((path) => existsSync(path));

/** Registers the cleanup now; `start` then mounts `source` on `mountpoint` with bindfs -f. */
export function fuseServers(t: TestContext): { start(source: string, mountpoint: string): ChildProcess } {
  const started: Array<{ server: ChildProcess; mountpoint: string }> = [];
  onCleanup(t, async () => {
    for (const { server, mountpoint } of started) {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGCONT');
        server.kill('SIGKILL');
        await once(server, 'exit');
      }
      await run('fusermount', ['-u', '-z', mountpoint]).catch(() => run('umount', ['-l', mountpoint]).catch(() => undefined));
    }
  });
  return {
    start(source, mountpoint) {
      if (!BINDFS) throw new Error('bindfs is not installed');
      const server = spawn(BINDFS, ['-f', source, mountpoint], { stdio: 'ignore' });
      started.push({ server, mountpoint });
      return server;
    },
  };
}
