/** A device id, a message id or a public key: opaque bytes to the store (32 in NCP-1). */
export type Id = Uint8Array;

/** The lifecycle of a device: registered awaits approval, only active devices authenticate. */
export type DeviceState = "registered" | "active" | "suspended" | "revoked";

/** One registered device, as the directory and authentication read it. */
export interface DeviceRecord {
  id: Id;
  publicKey: Uint8Array;
  userId: string;
  state: DeviceState;
  info: string;
  capabilities: number;
  registeredAtMs: number;
  updatedAtMs: number;
}

/** What a queue entry holds: a message (0x10) waits for an ack, a receipt (0x11) goes once. */
export type EntryKind = "message" | "receipt";

/** An entry as the writer gives it; the store assigns its place in commit order (`seq`). */
export interface NewEntry {
  recipient: Id;
  kind: EntryKind;
  messageId: Id;
  sender: Id;
  /** The unchanged inner frame, stored and returned byte for byte. */
  frame: Uint8Array;
  enqueuedAtMs: number;
  expiresAtMs: number;
}

/** A stored entry; `seq` grows with commit order across the store and is never reused. */
export interface QueueEntry extends NewEntry {
  seq: number;
}

/** What a device's queue holds, counted against its caps. */
export interface QueueStats {
  frames: number;
  bytes: number;
}

/** The whole store at a glance, for `status` and /metrics. */
export interface StoreOverview {
  devices: Record<DeviceState, number>;
  queueEntries: number;
  queueBytes: number;
  /** When the oldest queued entry was enqueued (undefined: every queue is empty). */
  oldestEnqueuedAtMs?: number;
}

/** A message id that was accepted, kept for the dedupe window. */
export interface SeenRecord {
  messageId: Id;
  sender: Id;
  recipient: Id;
  atMs: number;
}

/** A device this device exchanged a message with, and when that last happened. */
export interface ContactRecord {
  peer: Id;
  lastAtMs: number;
}

/** The latest presence of a device: its status and the unchanged frame that set it. */
export interface PresenceRecord {
  device: Id;
  status: number;
  frame: Uint8Array;
  atMs: number;
}
