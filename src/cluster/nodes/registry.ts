/**
 * @module cluster/nodes/registry
 * Every node source, one line each. The key is the source's section under `nodes:` in the cluster
 * config and its name in logs and the API.
 */
import type { NodeSourceModule } from '../types.ts';
import * as dns from './dns.ts';
import * as file from './file.ts';
import * as kubernetes from './kubernetes.ts';
import * as slurm from './slurm.ts';
import * as staticList from './static.ts';

/** The registered node sources. */
export const nodeSources = { static: staticList, file, slurm, kubernetes, dns } satisfies Record<string, NodeSourceModule>;

/** A registered node source name. */
export type NodeSourceName = keyof typeof nodeSources;
