/**
 * Test doubles for the rules engine tests: an in-memory recording action (the engine is what is
 * tested, so its actions only record what they were asked, when, and how many ran at once), an
 * event builder and a silent context.
 */
import type { TestContext } from 'node:test';
import { Type, type Static } from '@sinclair/typebox';
import { pino } from 'pino';
import type { FsEvent } from '../../src/collector/types.ts';
import { RulesEngine, type RulesEngineOptions } from '../../src/rules/index.ts';
import { parseRules, type RuleSet } from '../../src/rules/parse.ts';
import type { ActionModule, ActionRequest, ActionResult } from '../../src/rules/types.ts';
import { onCleanup } from '../helpers/cleanup.ts';

/** A silent logger. */
export const silent = pino({ level: 'silent' });

/** What a recording action saw. */
export interface Recorded {
  phase: ActionRequest['phase'];
  rule: string;
  key: string;
  node: string;
  reason: string;
  seq: number;
  dryRun: boolean;
  /** Actions of this recorder running at the moment this one started (itself included). */
  concurrent: number;
  /** Runs of the same key running when this one started (itself included). */
  sameKey: number;
}

/** A recording action module plus what it recorded. */
export function recorder(options: { idempotent?: boolean } = {}): { module: ActionModule; calls: Recorded[]; maxConcurrent: () => number } {
  const calls: Recorded[] = [];
  const running = new Map<string, number>();
  let now = 0;
  let max = 0;
  const configSchema = Type.Object(
    {
      delayMs: Type.Integer({ default: 0 }),
      undoable: Type.Boolean({ default: true }),
      fail: Type.Optional(Type.Union([Type.Literal('retryable'), Type.Literal('permanent')])),
    },
    { additionalProperties: false },
  );
  const module = {
    configSchema,
    create: (config: Static<typeof configSchema>) => ({
      undoable: config.undoable,
      idempotent: options.idempotent ?? false,
      async run(request: ActionRequest): Promise<ActionResult> {
        now++;
        max = Math.max(max, now);
        running.set(request.key, (running.get(request.key) ?? 0) + 1);
        calls.push({ phase: request.phase, rule: request.rule, key: request.key, node: request.node, reason: request.reason, seq: request.event.seq, dryRun: request.dryRun, concurrent: now, sameKey: running.get(request.key)! });
        await new Promise((resolve) => setTimeout(resolve, config.delayMs));
        now--;
        running.set(request.key, running.get(request.key)! - 1);
        if (config.fail) return { outcome: 'failed', retryable: config.fail === 'retryable', detail: 'asked to fail' };
        return { outcome: 'done', detail: 'recorded' };
      },
    }),
  } satisfies ActionModule;
  return { module, calls, maxConcurrent: () => max };
}

/** Compiles rules whose actions are `{type: 'record', …}`. */
export function rulesOf(rules: unknown[], module: ActionModule): RuleSet {
  return parseRules({ rules }, 'test', { actions: { record: module }, log: silent, now: Date.now });
}

/** Opens an engine with fast settings; stopped after the test. */
export async function engineOf(t: TestContext, rules: RuleSet, options: Partial<RulesEngineOptions> = {}): Promise<RulesEngine> {
  const engine = await RulesEngine.open({ rules, log: silent, settings: { recheckMs: 20, lossHoldMs: 200, stopGraceMs: 2000 }, ...options });
  onCleanup(t, () => engine.stop());
  return engine;
}

let seq = 0;
/** An event (seq increasing per test process). */
export function event(type: FsEvent['type'], fields: Partial<FsEvent> = {}): FsEvent {
  seq++;
  return {
    seq, time: new Date().toISOString(), node: 'node1', type, code: 0, class: 'error', severity: 'error', transient: false,
    mountpoint: '/data', device: '/dev/loop0', fstype: 'ext4', sources: ['test'], count: 1, data: {}, ...fields,
  };
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
