/**
 * @module log
 * The daemon's logger: pino, JSON lines on stderr. Built once in cli.ts and passed down; every
 * component logs through a child bound to `{ component }`.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

/** A logger and the means to flush it before exit. */
export interface DaemonLogger {
  log: Logger;
  flush(): void;
}

/** Creates the logger writing to `fd` (stderr by default). */
export function createLogger(level: string, fd = 2): DaemonLogger {
  const destination = pino.destination({ dest: fd, sync: false });
  const log = pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination as DestinationStream);
  return {
    log,
    flush: () => {
      try {
        destination.flushSync();
      } catch {
        // Nothing left to report to if stderr itself is gone.
      }
    },
  };
}
