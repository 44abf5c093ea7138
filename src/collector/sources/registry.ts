/**
 * @module collector/sources/registry
 * Every source, one line each. The key is the source's name everywhere: config `sources.<key>`,
 * label `source="<key>"`, health in GET /api/v1/sources. test/collector/sources/registry.test.ts
 * fails on a source folder or file that is not registered here.
 */
import type { TObject } from '@sinclair/typebox';
import type { SourceFactory } from '../types.ts';
import * as mountinfo from './mountinfo/index.ts';
import * as fanotify from './fanotify/index.ts';
import * as sysfs from './sysfs/index.ts';
import * as kmsg from './kmsg/index.ts';
import * as statfs from './statfs/index.ts';
import * as fsevent from './fsevent/index.ts';
import * as quota from './quota/index.ts';
import * as uevent from './uevent/index.ts';

/** What each source module exports. */
export interface SourceModule {
  configSchema: TObject;
  create: SourceFactory<never>;
}

/** The registered sources. */
export const sources = {
  mountinfo,
  fanotify,
  sysfs,
  kmsg,
  statfs,
  fsevent,
  quota,
  uevent,
} satisfies Record<string, SourceModule>;

/** A registered source name. */
export type SourceName = keyof typeof sources;
