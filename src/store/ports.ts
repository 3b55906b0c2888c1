import type {
  ContactRecord,
  DeviceRecord,
  Id,
  PresenceRecord,
  QueueEntry,
  QueueStats,
  SeenRecord,
  StoreOverview,
} from "./records.ts";
import type { CommitOutcome, RevokeOutcome, Work } from "./work.ts";

/** Devices by id and by user (0x03 authentication, 0x30 directory). */
export interface DeviceStore {
  getDevice(id: Id): Promise<DeviceRecord | undefined>;
  /** Every device of the user, in every state, oldest registration first. */
  devicesOfUser(userId: string): Promise<DeviceRecord[]>;
  /** Every device, oldest registration first (operator listings). */
  allDevices(): Promise<DeviceRecord[]>;
}

/** Each device's FIFO queue of messages and receipts, in commit order. */
export interface MailboxStore {
  /** Up to `limit` entries of the queue with seq > `afterSeq` (0: from the start), in commit order. */
  mailboxPage(recipient: Id, afterSeq: number, limit: number): Promise<QueueEntry[]>;
  /** The recipient's queued entry with this message id (an ack looks its entry up). */
  findEntry(recipient: Id, messageId: Id): Promise<QueueEntry | undefined>;
  queueStats(recipient: Id): Promise<QueueStats>;
  /** Devices by state, and every queue together (entries, bytes, the oldest entry's age). */
  overview(): Promise<StoreOverview>;
}

/** Seen message ids (dedupe), contact pairs (presence audience) and latest presence. */
export interface HistoryStore {
  getSeen(messageId: Id): Promise<SeenRecord | undefined>;
  /** The devices `device` exchanged a message with at or after `sinceMs`. */
  contactsOf(device: Id, sinceMs: number): Promise<ContactRecord[]>;
  getPresence(device: Id): Promise<PresenceRecord | undefined>;
}

/** The one way to change state: a unit of work commits durably as a whole, or stores nothing. */
export interface UnitOfWork {
  /** Resolves once the work is on stable storage (or refused); rejects with StoreError on failure. */
  commit(work: Work): Promise<CommitOutcome>;
}

/** Bulk removals, each one atomic and ordered with the commits called before it. */
export interface MaintenanceStore {
  /** Deletes and returns up to `limit` entries with expiresAtMs <= nowMs, earliest expiry (then seq) first. */
  sweepExpired(nowMs: number, limit: number): Promise<QueueEntry[]>;
  /**
   * Deletes seen records older than `beforeMs` (the dedupe window has passed) unless their message is
   * still in the recipient's queue, so a queued message id stays a duplicate; returns how many.
   */
  pruneSeen(beforeMs: number): Promise<number>;
  /** Deletes contact pairs last used before `beforeMs`; returns how many pairs. */
  pruneContacts(beforeMs: number): Promise<number>;
  /** Marks the device revoked and deletes its queue in one transaction, returning what was purged. */
  revokeDevice(id: Id, atMs: number): Promise<RevokeOutcome>;
}

/** The store the relay owns: reads, the unit of work, maintenance, and an orderly close. */
export interface Store extends DeviceStore, MailboxStore, HistoryStore, UnitOfWork, MaintenanceStore {
  /** Waits for pending commits, then releases the storage; later calls reject with StoreError. */
  close(): Promise<void>;
}

/** A crossing of the quota's thresholds: `warning` at 90 %, `full` above the limit, `ok` back below. */
export interface QuotaEvent {
  level: "ok" | "warning" | "full";
  usedBytes: number;
  limitBytes: number;
}

/** Options every implementation takes. */
export interface StoreOptions {
  /** Bytes the store may use before new messages get `disk_full` (undefined: no limit). */
  quotaBytes?: number;
  /** Called once per crossing of a quota threshold. */
  onQuotaEvent?: (event: QuotaEvent) => void;
  /**
   * A contact pair's time is rewritten only once it moves by this much (default 60 s): the presence
   * audience counts in days, and a conversation would otherwise rewrite its pair on every message.
   */
  contactResolutionMs?: number;
}

/** The default of StoreOptions.contactResolutionMs. */
export const CONTACT_RESOLUTION_MS = 60_000;

/** Whether a pair last stored at `storedAtMs` takes the time `atMs`. */
export function contactMoves(storedAtMs: number | undefined, atMs: number, resolutionMs: number): boolean {
  return storedAtMs === undefined || (atMs > storedAtMs && atMs - storedAtMs >= resolutionMs);
}
