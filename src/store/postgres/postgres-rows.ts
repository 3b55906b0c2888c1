import type {
  DeviceRecord,
  DeviceState,
  EntryKind,
  PresenceRecord,
  QueueEntry,
  SeenRecord,
} from "../records.ts";

// Rows as Bun.SQL returns them (bytea as Buffer, bigint as string) and the records they hold.

/** Column lists of the Postgres schema. */
export const DEVICE_COLUMNS =
  "id, public_key, user_id, state, info, capabilities, registered_at_ms, updated_at_ms";
export const ENTRY_COLUMNS = "seq, recipient, kind, message_id, sender, frame, enqueued_at_ms, expires_at_ms";

/** One row of a Bun.SQL result: column name to value. */
export type Row = Record<string, unknown>;

/** A bytea value as a plain Uint8Array of its own (Bun.SQL's Buffers may share a pool). */
export function bytesOf(value: unknown): Uint8Array {
  return new Uint8Array(value as Uint8Array);
}

export function deviceOf(row: Row): DeviceRecord {
  return {
    id: bytesOf(row.id),
    publicKey: bytesOf(row.public_key),
    userId: String(row.user_id),
    state: row.state as DeviceState,
    info: String(row.info),
    capabilities: Number(row.capabilities),
    registeredAtMs: Number(row.registered_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}

export function entryOf(row: Row): QueueEntry {
  return {
    seq: Number(row.seq),
    recipient: bytesOf(row.recipient),
    kind: row.kind as EntryKind,
    messageId: bytesOf(row.message_id),
    sender: bytesOf(row.sender),
    frame: bytesOf(row.frame),
    enqueuedAtMs: Number(row.enqueued_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
  };
}

export function seenOf(row: Row): SeenRecord {
  return {
    messageId: bytesOf(row.message_id),
    sender: bytesOf(row.sender),
    recipient: bytesOf(row.recipient),
    atMs: Number(row.at_ms),
  };
}

export function presenceOf(row: Row): PresenceRecord {
  return {
    device: bytesOf(row.device),
    status: Number(row.status),
    frame: bytesOf(row.frame),
    atMs: Number(row.at_ms),
  };
}
