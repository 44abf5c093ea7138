/**
 * @module util/lock
 * One daemon per state dir: a pid file created exclusively. A pid file left by a killed daemon
 * (its process is gone) is taken over, so kill -9 never blocks the next start.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FsevdError } from '../errors.ts';

/** A held lock. */
export interface Lock {
  release(): Promise<void>;
}

/** Takes the state dir's lock or throws naming the pid that holds it. */
export async function acquireLock(stateDir: string): Promise<Lock> {
  const path = join(stateDir, 'fsevd.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new FsevdError('FSEVD_E_STARTUP', `Cannot create ${path}: ${(err as Error).message}`, { cause: err });
      const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new FsevdError('FSEVD_E_STARTUP', `Another fsevd (pid ${holder}) uses state dir ${stateDir}`);
      }
      await unlink(path).catch(() => undefined); // stale: its owner is gone
    }
  }
  throw new FsevdError('FSEVD_E_STARTUP', `Cannot take the lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
