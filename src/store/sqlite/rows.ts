import type {
  DeviceRecord,
  DeviceState,
  EntryKind,
  PresenceRecord,
  QueueEntry,
  SeenRecord,
} from "../records.ts";
import { unpackFrame } from "./frame-packing.ts";

/** Column lists and row shapes of the sqlite schema, and their records. */
export const DEVICE_COLUMNS =
  "id, public_key, user_id, state, info, capabilities, registered_at_ms, updated_at_ms";
export const ENTRY_COLUMNS =
  "seq, recipient, kind, message_id, sender, frame, enqueued_at_ms, expires_at_ms, frame_zstd";

export interface DeviceRow {
  id: Uint8Array;
  public_key: Uint8Array;
  user_id: string;
  state: string;
  info: string;
  capabilities: number;
  registered_at_ms: number;
  updated_at_ms: number;
}

export interface EntryRow {
  seq: number;
  recipient: Uint8Array;
  kind: string;
  message_id: Uint8Array;
  sender: Uint8Array;
  frame: Uint8Array;
  enqueued_at_ms: number;
  expires_at_ms: number;
  frame_zstd: number;
}

export interface SeenRow {
  id: number;
  message_id: Uint8Array;
  sender: Uint8Array;
  recipient: Uint8Array;
  at_ms: number;
  seq: number | null;
}

export interface PresenceRow {
  device: Uint8Array;
  status: number;
  frame: Uint8Array;
  at_ms: number;
}

export function deviceOf(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    publicKey: row.public_key,
    userId: row.user_id,
    state: row.state as DeviceState,
    info: row.info,
    capabilities: row.capabilities,
    registeredAtMs: row.registered_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

export function entryOf(row: EntryRow): QueueEntry {
  return {
    seq: row.seq,
    recipient: row.recipient,
    kind: row.kind as EntryKind,
    messageId: row.message_id,
    sender: row.sender,
    frame: unpackFrame(row.frame, row.frame_zstd),
    enqueuedAtMs: row.enqueued_at_ms,
    expiresAtMs: row.expires_at_ms,
  };
}

export function seenOf(row: SeenRow): SeenRecord {
  return { messageId: row.message_id, sender: row.sender, recipient: row.recipient, atMs: row.at_ms };
}

export function presenceOf(row: PresenceRow): PresenceRecord {
  return { device: row.device, status: row.status, frame: row.frame, atMs: row.at_ms };
}
