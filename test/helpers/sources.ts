/**
 * Runs registered sources in-process against the real kernel, without the rest of the daemon:
 * each one inside the real RunningSource wrapper (so start failures become a down state exactly
 * as in the daemon), sharing one MountTable that the mountinfo source keeps current when it is
 * among them. Observations are collected in order; everything is stopped in t.after.
 */
import type { TestContext } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { pino } from 'pino';
import { MountTable } from '../../src/collector/mounts/table.ts';
import { RunningSource } from '../../src/collector/running-source.ts';
import { sources as registry, type SourceName } from '../../src/collector/sources/registry.ts';
import type { Observation, Source, SourceHealth } from '../../src/collector/types.ts';
import { onCleanup } from './cleanup.ts';

/** Sources running for a test. */
export interface SourceRun {
  table: MountTable;
  observations: Observation[];
  health(name: string): SourceHealth;
  source(name: string): Source;
}

/** Starts the named sources, in the given order, with their defaults overridden by `configs`. */
export async function startSources(t: TestContext, configs: Partial<Record<SourceName, Record<string, unknown>>>, stateDir = '/nonexistent'): Promise<SourceRun> {
  const table = new MountTable();
  const observations: Observation[] = [];
  const log = pino({ level: 'silent' });
  const running: RunningSource[] = [];
  onCleanup(t, async () => {
    for (const r of [...running].reverse()) await r.stop();
  });
  for (const [name, overrides] of Object.entries(configs) as Array<[SourceName, Record<string, unknown>]>) {
    const module = registry[name];
    const config = Value.Default(module.configSchema, structuredClone(overrides)) as never;
    const r = new RunningSource(module.create(config, { mountTable: table }), {
      log,
      paths: { proc: '/proc', sys: '/sys', dev: '/dev', stateDir },
      mounts: table,
      now: Date.now,
      deliver: (obs) => observations.push(obs),
      backoffMs: { initial: 60_000, max: 60_000 },
    });
    running.push(r);
    await r.start();
  }
  const find = (name: string) => {
    const r = running.find((x) => x.name === name);
    if (!r) throw new Error(`source ${name} is not running`);
    return r;
  };
  return { table, observations, health: (name) => find(name).health(), source: (name) => find(name).source };
}
