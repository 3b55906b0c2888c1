import type { Id, QueueEntry } from "./records.ts";

// The store ports of cluster mode (MESSAGING.md, Scale-out). Postgres implements them for a cluster;
// memory and sqlite implement them too, so one contract suite specifies them for every store.

/** A device's session lease: the instance serving it, fenced by an epoch every authentication bumps. */
export interface Lease {
  device: Id;
  instance: string;
  /** 1 for a device's first lease, previous + 1 after that; never reused, also after a release. */
  epoch: number;
  takenAtMs: number;
}

/** One instance of the cluster as the shared store sees it. */
export interface InstanceRecord {
  name: string;
  startedAtMs: number;
  heartbeatAtMs: number;
  /** Leases it holds now. */
  leases: number;
}

/** One session per device across instances (leases), and which instances are alive (heartbeats). */
export interface LeaseStore {
  /** Gives the device's lease to `instance` with the next epoch; returns it and the lease it replaced. */
  takeLease(device: Id, instance: string, nowMs: number): Promise<{ lease: Lease; previous?: Lease }>;
  getLease(device: Id): Promise<Lease | undefined>;
  /** Ends the lease only while it still has `epoch` (a session ending); true when it ended. */
  releaseLease(device: Id, epoch: number): Promise<boolean>;
  /**
   * The queue page of mailboxPage, read only while the device's lease has `epoch`: "stale" when a
   * newer session holds it (fencing: a superseded session delivers nothing).
   */
  fencedPage(recipient: Id, epoch: number, afterSeq: number, limit: number): Promise<QueueEntry[] | "stale">;
  /** Records that `instance` is alive at `nowMs` (registers it on the first call). */
  heartbeat(instance: string, nowMs: number): Promise<void>;
  /** Ends every lease `instance` holds (at its start and at a clean stop); returns how many. */
  clearLeases(instance: string): Promise<number>;
  /** Forgets instances whose last heartbeat is before `beforeMs`, ending their leases; returns the lease count. */
  expireInstances(beforeMs: number): Promise<number>;
  /** Every known instance, by name. */
  instances(): Promise<InstanceRecord[]>;
}

/** The §6.3 auth_failures lockout kept in the store, so every instance sees the same count. */
export interface LockoutStore {
  /**
   * Counts one failure against each key; a key with `maxFailures` within `windowMs` is locked for
   * `lockoutMs` from now.
   */
  recordAuthFailure(
    keys: readonly string[],
    nowMs: number,
    limits: { windowMs: number; maxFailures: number; lockoutMs: number },
  ): Promise<void>;
  /** The latest lockout end among `keys` (0 when none is locked at `nowMs`). */
  lockedUntilMs(keys: readonly string[], nowMs: number): Promise<number>;
}

/** A hint between instances (routing is a hint, the queue is the truth): a short text on a channel. */
export interface HintBus {
  /** Sends `payload` (<= 7,000 bytes) to the instance listening on `channel`; sent after the commit it hints at. */
  publish(channel: string, payload: string): Promise<void>;
  /**
   * Listens on `channel`; `onListening` runs after every (re)subscription (catch up then: hints sent
   * while not listening are lost). Resolves to a function that stops listening.
   */
  listen(
    channel: string,
    onHint: (payload: string) => void,
    onListening: () => void,
  ): Promise<() => Promise<void>>;
}
