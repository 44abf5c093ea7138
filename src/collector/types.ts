/**
 * @module collector/types
 * The contracts of the collector layer: what sources emit (Observation), how they are driven
 * (Source, SourceContext), how they report health (SourceHealth), and what leaves the pipeline
 * (FsEvent, MountState). No other file declares cross-module types of the collector.
 */
import type { Logger } from 'pino';
import type { EventClass, EventType, Severity } from './events.ts';
import type { ThresholdConfig } from './thresholds/config.ts';

export type { EventClass, Severity } from './events.ts';

/** One line of /proc/self/mountinfo, decoded. Paths are surrogate-escaped strings (util/bytes.ts). */
export interface MountEntry {
  /** Kernel mount id (field 1); unique while mounted, reused after unmount. */
  mountId: number;
  /** Parent mount id (field 2). */
  parentId: number;
  /** Device number of the superblock (field 3, "major:minor"). */
  major: number;
  minor: number;
  /** Path of the mount's root within its filesystem (field 4), e.g. "/" or a bind source. */
  root: string;
  /** Mount point relative to the reader's root (field 5). */
  mountpoint: string;
  /** Per-mount options (field 6), e.g. ["rw", "relatime"]. */
  mountOptions: string[];
  /** Optional fields (shared:N, master:N, propagate_from:N, unbindable). */
  optionalFields: string[];
  /** Filesystem type, with subtype for FUSE ("fuse.sshfs"). */
  fstype: string;
  /** Mount source, e.g. "/dev/loop0", "server:/export", "tmpfs". */
  device: string;
  /** Superblock options, e.g. ["rw", "errors=remount-ro"] (ext4 adds "emergency_ro" after errors). */
  superOptions: string[];
  /** Kernel name of the block device ("loop0", "sda1"), from /sys/dev/block; set by the mountinfo source. */
  kernelName?: string;
  /** Filesystem UUID when the system knows it; set by the mountinfo source. */
  uuid?: string;
  /**
   * Block devices beneath the mount's device, from sysfs; set by the mountinfo source: the whole
   * disk of a partition (with the partition's place on it) and the members of a dm/md device,
   * recursively. Kernel messages about a disk ("I/O error, dev sda") reach the mounts above it.
   */
  lowerDevices?: LowerDevice[];
}

/** A block device under a mount's device (MountEntry.lowerDevices). */
export interface LowerDevice {
  /** Kernel name ("sda", "nvme0n1", "sdb2"). */
  name: string;
  /** Where the upper device's data starts on it, in 512-byte sectors (partitions only). */
  startSector?: number;
  /** How many sectors of it belong to the upper device (partitions only). */
  sectors?: number;
}

/** One difference between two readings of the mount table. */
export type MountChange =
  | { kind: 'added'; after: MountEntry }
  | { kind: 'removed'; before: MountEntry }
  | { kind: 'changed'; before: MountEntry; after: MountEntry };

/** Read-only view of the current mount table, shared by the gatherer and sources. */
export interface MountTableView {
  /** Every mount, in mountinfo order (later entries were mounted later and sit on top). */
  all(): readonly MountEntry[];
  byId(mountId: number): MountEntry | undefined;
  /** Mounts of one superblock, primary first (root "/" and shortest mount point). */
  byDevno(major: number, minor: number): MountEntry[];
  /** Mounts whose block device has this kernel name ("loop0") or path ("/dev/loop0"). */
  byDeviceName(name: string): MountEntry[];
  /** The mount a path lies in (longest mount-point prefix, topmost of stacked mounts). */
  byPath(path: string): MountEntry | undefined;
  /** Calls `listener` after every change with the differences; returns an unsubscribe function. */
  onChange(listener: (changes: MountChange[]) => void): () => void;
}

/** Identity fields of the mount an event concerns; everything the gatherer adds. */
export interface MountIdentity {
  mountpoint: string;
  device: string;
  fstype: string;
  major: number;
  minor: number;
  mountId: number;
  /** Filesystem UUID when the system knows it (/dev/disk/by-uuid). */
  uuid?: string;
}

/** Which mount an observation concerns; any one field is enough for the gatherer. */
export interface MountRef {
  devno?: { major: number; minor: number };
  /** Kernel block device name as printed in kernel messages ("loop0", "sda1"). */
  deviceName?: string;
  /** fanotify/statfs fsid as a hex string, for the record: sources that know it map it to `devno` themselves (at mark time), never at event time. */
  fsid?: string;
  /** A path inside the filesystem (longest-prefix match). */
  path?: string;
  mountId?: number;
  /**
   * With deviceName naming a whole disk or a lower device ("sda" under "sda1", a dm member): the
   * absolute 512-byte sector the message names, to pick the partition that holds it.
   */
  sector?: number;
  /** Network filesystem server as the kernel prints it (NFS "filer01", CIFS "fs01.corp"). */
  server?: string;
  /** Name of the filesystem on its servers: Lustre fsname ("scratch"), Ceph cluster fsid. */
  fsname?: string;
  /** Limits server/fsname matching to one filesystem family ("nfs" covers nfs and nfs4). */
  fstype?: string;
}

/** A raw finding of one source, before the gatherer maps it to mounts. */
export interface Observation {
  /** Registered name of the source that saw it (set by the running-source wrapper). */
  source: string;
  type: EventType;
  /** Wall-clock time the source saw it, ms since the epoch. */
  time: number;
  /** Which mount(s); absent for node-wide events (EVENTS_LOST of a source). */
  mount?: MountRef;
  /** Full identity when the source already knows it (the mount table does); skips the lookup. */
  identity?: MountIdentity;
  /** Typed payload per event type (errno, error_count, options, values...). */
  data: Record<string, unknown>;
  /** Overrides the registry's default severity. */
  severity?: Severity;
}

/** An event as it leaves the pipeline, is journaled and fanned out. */
export interface FsEvent {
  /** Per node, strictly increasing, survives restarts. */
  seq: number;
  /** ISO-8601 time of the first observation. */
  time: string;
  node: string;
  type: EventType;
  code: number;
  class: EventClass;
  severity: Severity;
  transient: boolean;
  mountpoint?: string;
  device?: string;
  fstype?: string;
  major?: number;
  minor?: number;
  mountId?: number;
  uuid?: string;
  /** Kernel interfaces that reported it. */
  sources: string[];
  /** Coalesced repeats (1 when seen once). */
  count: number;
  data: Record<string, unknown>;
}

/** Latest space figures of a mount (statfs), when sampled. */
export interface SpaceSample {
  /** ISO time of the statfs call that produced these figures. */
  time: string;
  sizeBytes: number;
  /** Available to unprivileged users (f_bavail); what thresholds are about. */
  availBytes: number;
  /** Free including the root reserve (f_bfree). */
  freeBytes: number;
  inodes: number;
  inodesFree: number;
  /** Fundamental block size (f_frsize): the unit of the proposal's decimal block levels. */
  blockBytes?: number;
  /** Seconds until availBytes reaches 0 at the current fill rate; absent when not filling. */
  timeToFullSeconds?: number;
}

/** Current health of one mount, updated by events. */
export interface MountState extends MountIdentity {
  root: string;
  mountOptions: string[];
  superOptions: string[];
  /** Read-only by its options, by an error (readOnlyByError) or because it shut down. */
  readOnly: boolean;
  /** The kernel made it read-only after an error, even if the mount table still says rw. */
  readOnlyByError?: boolean;
  /** The filesystem shut down after an error or on request; all I/O fails until unmounted. */
  shutdown?: boolean;
  available: boolean;
  /** Since when (ISO) `available` has its current value. */
  availableSince: string;
  lastError?: { time: string; type: EventType; seq: number; errno?: number };
  lastEventTime?: string;
  /** Events seen per type on this mount since the daemon started. */
  counters: Partial<Record<EventType, number>>;
  /** Latest statfs figures, when the mount is sampled. */
  space?: SpaceSample;
  /** While unavailable: transient (may clear by itself) or permanent (needs a remount), why, and who said so. */
  unavailable?: Unavailability;
  /** Threshold levels in force and where the filesystem stands, when it has any. */
  thresholds?: ThresholdStatus;
  /** The statfs probe of this filesystem, when it is probed. */
  probe?: ProbeStatus;
}

/** Why a mount is unavailable (MountState.unavailable, FS_UNAVAILABLE data). */
export interface Unavailability {
  kind: 'transient' | 'permanent';
  /** "probe timeout", "ENOTCONN", "server not responding"... */
  reason: string;
  /** Sources that reported it. */
  sources: string[];
}

/** Levels of one resource as configured and as resolved against the filesystem's size. */
export interface ThresholdLevels {
  /** As written: "10%", "20G", "710000" (available blocks). */
  l1: string;
  l2: string;
  /** In bytes (blocks) or inodes. */
  l1Value: number;
  l2Value: number;
  /** armed: nothing fired; below-l1: THR_LRBELOW fired; below-l2: THR_URBELOW fired. */
  position: 'armed' | 'below-l1' | 'below-l2';
}

/** Threshold state of a filesystem. */
export interface ThresholdStatus {
  /** "entry": from a configured entry (its path in `entry`); "default": thresholds.defaults. */
  origin: 'entry' | 'default';
  entry?: string;
  blocks?: ThresholdLevels;
  inodes?: ThresholdLevels;
  /** The kernel's /sys/fs/events/config evaluates the block levels; fsevd does not. */
  kernel?: boolean;
}

/** How the statfs probe of a filesystem is doing. */
export interface ProbeStatus {
  /** local, network or fuse (pseudo filesystems are not probed). */
  class: string;
  /** Current sampling interval (adaptive), ms. */
  intervalMs: number;
  timeoutMs: number;
  /** ISO time of the last answer. */
  lastAnswer?: string;
  /** ISO time the call still waiting for an answer started. */
  pendingSince?: string;
  /** Calls that exceeded timeoutMs since the daemon started. */
  timeouts: number;
  /** The last error of the probe (errno name), when it failed. */
  lastError?: string;
  /** Transitions were suppressed because the mount flapped; the next FS_AVAILABLE waits for it to settle. */
  flapping?: boolean;
}

/** Sampling results per filesystem (superblock), kept outside the event stream. */
export interface SpaceRecord {
  space?: SpaceSample;
  thresholds?: ThresholdStatus;
  probe?: ProbeStatus;
}

/**
 * Where the statfs source leaves its results and the pipeline reads them for the mount state. The
 * source registers a reader per filesystem once; records are built only when someone asks.
 */
export interface SpaceStore {
  get(major: number, minor: number): SpaceRecord | undefined;
  set(major: number, minor: number, read: () => SpaceRecord): void;
  delete(major: number, minor: number): void;
}

/** What a source says about itself; served by GET /api/v1/sources. */
export interface SourceHealth {
  state: 'starting' | 'up' | 'down' | 'stopped';
  /** Why it is down (missing privilege, old kernel, addon not built...). */
  reason?: string;
  /** ISO time of the last observation it emitted. */
  lastEventTime?: string;
  /** Observations emitted since start. */
  emitted: number;
  /** Records the source knows it lost (kernel overruns, queue drops). */
  lost: number;
  /** Free-form details (mechanism in use, e.g. "pollpri" or "interval"). */
  detail?: Record<string, unknown>;
}

/** Paths a source may touch; injected so tests can point at fixtures. */
export interface SourcePaths {
  proc: string;
  sys: string;
  dev: string;
  stateDir: string;
}

/** Everything a source gets from the daemon. */
export interface SourceContext {
  /** The current mount table (sources map kernel ids to mounts when mounts are discovered). */
  mounts: MountTableView;
  /** The only output: hand an observation to the gatherer (never blocks). */
  emit(obs: Omit<Observation, 'source'>): void;
  /** Report health changes (up/down with reason) and losses. */
  setHealth(update: Partial<Pick<SourceHealth, 'state' | 'reason' | 'detail'>>): void;
  /** Count records the source knows it lost. */
  addLost(n: number): void;
  /** Aborted when the daemon stops the source. */
  signal: AbortSignal;
  log: Logger;
  paths: SourcePaths;
  /** Wall clock in ms; injected for tests. */
  now(): number;
}

/** A kernel interface reader. Constructors never touch the kernel; only start() does. */
export interface Source {
  readonly name: string;
  /** Opens the interface; throws StartupError when it cannot (the source is then down). */
  start(ctx: SourceContext): Promise<void>;
  /** Idempotent; resolves after timers are cleared and in-flight work is done. */
  stop(): Promise<void>;
}

/** A source that can be asked to look again now (e.g. re-read the mount table after an error). */
export interface Refreshable {
  refresh(reason: string): void;
}

/** Type guard for Refreshable sources. */
export function isRefreshable(source: Source): source is Source & Refreshable {
  return typeof (source as Partial<Refreshable>).refresh === 'function';
}

/** The writable mount table; only the mountinfo source replaces it. */
export interface MountTableWriter extends MountTableView {
  /** Installs a new reading and returns what changed. */
  replace(entries: MountEntry[]): MountChange[];
}

/** Daemon-owned state handed to source factories. */
export interface SharedState {
  mountTable: MountTableWriter;
  /** Latest statfs results per filesystem (written by the statfs source); absent in bare tests. */
  space?: SpaceStore;
  /** The threshold configuration in force (read by the statfs source); absent in bare tests. */
  thresholds?: ThresholdConfigView;
}

/** Read access to the threshold configuration (collector/thresholds/store.ts implements it). */
export interface ThresholdConfigView {
  current(): ThresholdConfig;
  /** Calls `listener` after each applied change; returns the unsubscribe function. */
  onChange(listener: (config: ThresholdConfig) => void): () => void;
  /** True when the kernel's /sys/fs/events/config accepted the block levels of this entry. */
  kernelManaged(entryMount: string): boolean;
}

/** Builds a source from its config section. */
export type SourceFactory<C> = (config: C, shared: SharedState) => Source;
