import type {
  DeviceRecord,
  DeviceState,
  Id,
  NewEntry,
  PresenceRecord,
  QueueEntry,
  QueueStats,
  SeenRecord,
} from "./records.ts";

/**
 * A precondition checked inside the unit of work, against the state the work would change. The first
 * guard that fails decides the outcome and nothing of the work is stored.
 */
export type Guard =
  /** No seen record for `messageId` (kept while its entry is queued): else `duplicate`. */
  | { type: "notSeen"; messageId: Id }
  /** The device exists (`unknown_device`) and is not revoked (`revoked`). */
  | { type: "deviceUsable"; device: Id }
  /** The queue, with this work's entries for it added, stays within both caps: else `queue_full`. */
  | { type: "queueCap"; recipient: Id; maxFrames: number; maxBytes: number }
  /** The store's byte quota is not used up: else `disk_full`. Acks and deletes should not carry it. */
  | { type: "diskQuota" }
  /**
   * The device's session lease (cluster-ports.ts) is still held with `epoch`: else `stale_lease`, so
   * an ack from a superseded session deletes nothing.
   */
  | { type: "leaseEpoch"; device: Id; epoch: number };

/** One change of a unit of work, applied in list order. */
export type Write =
  | { type: "enqueue"; entry: NewEntry }
  /** Removes an entry (an ack, a receipt written); an entry already gone is not an error. */
  | { type: "deleteEntry"; recipient: Id; seq: number }
  /** Fails the work (StoreError) if the message id is already seen: guard with `notSeen`. */
  | { type: "markSeen"; seen: SeenRecord }
  /** Records that a and b exchanged a message at `atMs`; the later time wins (see contactResolutionMs). */
  | { type: "touchContact"; a: Id; b: Id; atMs: number }
  /** Inserts a device, or replaces every field of the one with the same id. */
  | { type: "putDevice"; device: DeviceRecord }
  /** Fails the work (StoreError) if the device does not exist. */
  | { type: "setDeviceState"; device: Id; state: DeviceState; atMs: number }
  /** Replaces the device's latest presence; fails the work (StoreError) for an unknown device. */
  | { type: "putPresence"; presence: PresenceRecord };

/** Writes that commit together or not at all, after their guards pass. */
export interface Work {
  guards?: Guard[];
  writes: Write[];
}

/** How a unit of work ended: `ok` with the seq of each enqueued entry, or the refusal, storing nothing. */
export type CommitOutcome =
  | { status: "ok"; seqs: number[] }
  | { status: "duplicate"; seen: SeenRecord }
  | { status: "unknown_device"; device: Id }
  | { status: "revoked"; device: Id }
  | { status: "queue_full"; recipient: Id; stats: QueueStats }
  | { status: "disk_full"; usedBytes: number; limitBytes: number }
  /** `epoch` is the lease's epoch now (0: no lease is held). */
  | { status: "stale_lease"; device: Id; epoch: number };

/** A refusal of a unit of work (every outcome but `ok`). */
export type CommitRefusal = Exclude<CommitOutcome, { status: "ok" }>;

/** How a revocation ended: the purged queue in commit order, or why nothing changed. */
export type RevokeOutcome =
  | { status: "revoked"; purged: QueueEntry[] }
  | { status: "already_revoked" }
  | { status: "unknown_device" };
