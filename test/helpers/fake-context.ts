/**
 * A SourceContext for unit tests of one source: a real MountTable the test fills, and records of
 * what the source emits, reports and loses. Paths point wherever the test says (fixtures).
 */
import { pino } from 'pino';
import { MountTable } from '../../src/collector/mounts/table.ts';
import type { MountEntry, Observation, SourceContext, SourceHealth, SourcePaths } from '../../src/collector/types.ts';

/** What a source did through its context. */
export interface FakeContext {
  ctx: SourceContext;
  table: MountTable;
  emitted: Array<Omit<Observation, 'source'>>;
  health: Partial<SourceHealth>;
  lost: number;
}

/** A context over `entries`, with paths defaulting to the real /proc, /sys and /dev. */
export function fakeContext(entries: MountEntry[] = [], paths: Partial<SourcePaths> = {}): FakeContext {
  const table = new MountTable();
  table.replace(entries);
  const fake: FakeContext = {
    table,
    emitted: [],
    health: {},
    lost: 0,
    ctx: {
      mounts: table,
      emit: (obs) => fake.emitted.push(obs),
      setHealth: (update) => Object.assign(fake.health, update),
      addLost: (n) => {
        fake.lost += n;
      },
      signal: new AbortController().signal,
      log: pino({ level: 'silent' }),
      paths: { proc: '/proc', sys: '/sys', dev: '/dev', stateDir: '/nonexistent', ...paths },
      now: () => Date.parse('2026-11-23T00:00:00Z'),
    },
  };
  return fake;
}

/** A mount table entry; `devno` is "major:minor". */
export function mountEntry(mountId: number, devno: string, mountpoint: string, fstype = 'ext4', extra: Partial<MountEntry> = {}): MountEntry {
  const [major, minor] = devno.split(':').map(Number) as [number, number];
  return { mountId, parentId: 1, major, minor, root: '/', mountpoint, mountOptions: ['rw'], optionalFields: [], fstype, device: '/dev/x', superOptions: ['rw'], ...extra };
}
