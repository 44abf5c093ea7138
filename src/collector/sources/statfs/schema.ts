/**
 * @module collector/sources/statfs/schema
 * Config of `sources.statfs`: which filesystems are sampled and probed, how often, with what
 * timeout — per class (local, network, fuse), overridable per filesystem type and per mount —
 * plus the flapping damper and the fill rate the adaptive schedule guards against.
 */
import { Type, type Static } from '@sinclair/typebox';

/** How a filesystem type is treated; pseudo filesystems (proc, sysfs, cgroup…) are not sampled. */
export const fsClasses = ['local', 'network', 'fuse', 'pseudo'] as const;

/** A filesystem class. */
export type FsClass = (typeof fsClasses)[number];

const probeFields = {
  enabled: Type.Boolean({ description: 'Sample and probe these filesystems.' }),
  maxIntervalMs: Type.Integer({ minimum: 100, description: 'Longest time between two samples (a filesystem far from every level, and the availability probe period).' }),
  minIntervalMs: Type.Integer({ minimum: 1, description: 'Shortest time between two samples (a filesystem about to cross a level).' }),
  timeoutMs: Type.Integer({ minimum: 10, description: 'A statfs call unanswered this long makes the mount FS_UNAVAILABLE (transient).' }),
};

function classSettings(enabled: boolean, maxIntervalMs: number, minIntervalMs: number, timeoutMs: number, what: string) {
  return Type.Object(
    {
      enabled: Type.Boolean({ default: enabled, description: `Sample and probe ${what}.` }),
      maxIntervalMs: Type.Integer({ ...probeFields.maxIntervalMs, default: maxIntervalMs }),
      minIntervalMs: Type.Integer({ ...probeFields.minIntervalMs, default: minIntervalMs }),
      timeoutMs: Type.Integer({ ...probeFields.timeoutMs, default: timeoutMs }),
    },
    { additionalProperties: false, default: {} },
  );
}

const override = Type.Object(
  {
    class: Type.Optional(Type.Union(fsClasses.map((c) => Type.Literal(c)), { description: 'Treat this filesystem type as another class.' })),
    enabled: Type.Optional(probeFields.enabled),
    maxIntervalMs: Type.Optional(probeFields.maxIntervalMs),
    minIntervalMs: Type.Optional(probeFields.minIntervalMs),
    timeoutMs: Type.Optional(probeFields.timeoutMs),
  },
  { additionalProperties: false },
);

/** Config of `sources.statfs`. */
export const configSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Sample free space and inodes (thresholds, WARN_ENOSPC, time to full) and probe availability (FS_UNAVAILABLE / FS_AVAILABLE).' }),
    threads: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'Threads that call statfs (never the event loop or libuv\'s pool); a hung call is abandoned and its thread replaced.' }),
    local: classSettings(true, 30_000, 25, 10_000, 'local filesystems (ext4, xfs, btrfs, tmpfs, overlay…)'),
    network: classSettings(true, 15_000, 1_000, 5_000, 'network filesystems (nfs, cifs, ceph, lustre…); each sample is a server round trip'),
    fuse: classSettings(true, 15_000, 500, 5_000, 'FUSE filesystems (fuse, fuseblk, fuse.*)'),
    fsTypes: Type.Record(Type.String({ minLength: 1 }), override, { default: {}, description: 'Per filesystem type (as in mountinfo, e.g. "nfs4", "fuse.sshfs"): class and settings overriding the class defaults.' }),
    mounts: Type.Record(Type.String({ pattern: '^/' }), Type.Omit(override, ['class']), { default: {}, description: 'Per mount point: settings overriding the type and class.' }),
    maxSamplesPerSecond: Type.Integer({ minimum: 1, default: 20, description: 'Sampling budget: when the adaptive schedule wants more statfs calls per second than this, filesystems whose space is not changing are sampled less often (those being written to keep their pace).' }),
    maxFillRateBytesPerSecond: Type.Integer({ minimum: 1, default: 2 * 1024 ** 3, description: 'Fastest fill assumed when scheduling: a filesystem closer than this rate × maxIntervalMs to a level is sampled sooner, so even a sudden fill is seen about when it crosses.' }),
    damping: Type.Object(
      {
        windowMs: Type.Integer({ minimum: 0, default: 300_000, description: 'Window over which availability transitions are counted.' }),
        maxTransitions: Type.Integer({ minimum: 1, default: 4, description: 'Transitions within windowMs after which the mount counts as flapping: FS_AVAILABLE then waits until it has answered for settleMs.' }),
        settleMs: Type.Integer({ minimum: 0, default: 60_000, description: 'How long a flapping mount must answer before FS_AVAILABLE.' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

/** Parsed `sources.statfs` config. */
export type StatfsConfig = Static<typeof configSchema>;

/** Settings in force for one filesystem. */
export interface ProbeSettings {
  class: FsClass;
  enabled: boolean;
  maxIntervalMs: number;
  minIntervalMs: number;
  timeoutMs: number;
}
