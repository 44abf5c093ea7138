/**
 * A sub-millisecond wall clock comparable across processes and with the ms timestamps fsevd puts
 * in events: performance.now() anchored to Date.now() at the instant Date.now() ticks. No side
 * effects, so bench/baseline/pollpri-reader.ts can import it. Not a benchmark itself.
 */
import { performance } from 'node:perf_hooks';

/** Returns a function giving wall-clock ms (Unix epoch) with sub-ms resolution. */
export function anchoredWallClock(): () => number {
  const start = Date.now();
  let tick = start;
  while (tick === start) tick = Date.now();
  const offset = tick - performance.now();
  return () => offset + performance.now();
}
