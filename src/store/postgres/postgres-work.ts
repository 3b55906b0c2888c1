import type { TransactionSQL } from "bun";
import { contactMoves } from "../ports.ts";
import type { QuotaTracker } from "../quota-tracker.ts";
import type { Id } from "../records.ts";
import { StoreError } from "../store-error.ts";
import type { CommitOutcome, CommitRefusal, Guard, Work, Write } from "../work.ts";
import { addedTo } from "../work-totals.ts";
import { type Row, seenOf } from "./postgres-rows.ts";

/** What a unit of work needs besides its transaction. */
export interface PostgresWorkContext {
  quota: QuotaTracker;
  usedBytes: () => number;
  contactResolutionMs: number;
}

/** A device row locked for the work: its state and queue totals. */
interface LockedDevice {
  state: string;
  frames: number;
  bytes: number;
}

/** Device ids a work changes or checks, for the in-process call order and the row locks. */
export function devicesOf(work: Work): Id[] {
  const ids: Id[] = [];
  for (const guard of work.guards ?? []) {
    if (guard.type === "deviceUsable" || guard.type === "leaseEpoch") ids.push(guard.device);
    if (guard.type === "queueCap") ids.push(guard.recipient);
  }
  for (const write of work.writes) {
    if (write.type === "enqueue") ids.push(write.entry.recipient);
    if (write.type === "deleteEntry") ids.push(write.recipient);
    if (write.type === "setDeviceState") ids.push(write.device);
    if (write.type === "putDevice") ids.push(write.device.id);
    if (write.type === "putPresence") ids.push(write.presence.device);
  }
  return ids;
}

export function hexOf(id: Id): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}

/**
 * Runs one unit of work in its transaction: locks the device rows it touches (FOR UPDATE, in id
 * order, so concurrent works cannot deadlock on them and one recipient's enqueues take their seqs
 * in commit order), checks the guards against that locked state, then applies the writes, seen
 * records last so each links the entry enqueued with it.
 */
export async function applyWork(
  tx: TransactionSQL,
  context: PostgresWorkContext,
  work: Work,
): Promise<CommitOutcome> {
  const locked = await lockDevices(tx, devicesOf(work));
  for (const guard of work.guards ?? []) {
    const refusal = await checkGuard(tx, context, locked, guard, work.writes);
    if (refusal !== undefined) return refusal;
  }
  const seqs: number[] = [];
  const sent = new Map<string, number>();
  for (const write of work.writes) {
    if (write.type === "markSeen") continue;
    const seq = await applyWrite(tx, context, write);
    if (seq === undefined || write.type !== "enqueue") continue;
    seqs.push(seq);
    sent.set(`${hexOf(write.entry.recipient)}:${hexOf(write.entry.messageId)}`, seq);
  }
  for (const write of work.writes) {
    if (write.type !== "markSeen") continue;
    const { messageId, sender, recipient, atMs } = write.seen;
    const link = sent.get(`${hexOf(recipient)}:${hexOf(messageId)}`) ?? null;
    await tx`INSERT INTO seen (message_id, sender, recipient, at_ms, seq)
             VALUES (${messageId}, ${sender}, ${recipient}, ${atMs}, ${link})`;
  }
  return { status: "ok", seqs };
}

async function lockDevices(tx: TransactionSQL, ids: Id[]): Promise<Map<string, LockedDevice>> {
  const locked = new Map<string, LockedDevice>();
  if (ids.length === 0) return locked;
  const unique = [...new Map(ids.map((id) => [hexOf(id), id])).values()];
  const rows: Row[] = await tx`SELECT id, state, queued_frames, queued_bytes FROM devices
    WHERE id = ANY(${tx.array(unique, "bytea")}) ORDER BY id FOR UPDATE`;
  for (const row of rows) {
    const id = hexOf(row.id as Uint8Array);
    locked.set(id, {
      state: String(row.state),
      frames: Number(row.queued_frames),
      bytes: Number(row.queued_bytes),
    });
  }
  return locked;
}

async function checkGuard(
  tx: TransactionSQL,
  context: PostgresWorkContext,
  locked: Map<string, LockedDevice>,
  guard: Guard,
  writes: Write[],
): Promise<CommitRefusal | undefined> {
  switch (guard.type) {
    case "notSeen": {
      const [row] =
        await tx`SELECT message_id, sender, recipient, at_ms FROM seen WHERE message_id = ${guard.messageId}`;
      return row === undefined ? undefined : { status: "duplicate", seen: seenOf(row) };
    }
    case "deviceUsable": {
      const device = locked.get(hexOf(guard.device));
      if (device === undefined) return { status: "unknown_device", device: guard.device };
      return device.state === "revoked" ? { status: "revoked", device: guard.device } : undefined;
    }
    case "queueCap": {
      const device = locked.get(hexOf(guard.recipient));
      const stats = { frames: device?.frames ?? 0, bytes: device?.bytes ?? 0 };
      const added = addedTo(guard.recipient, writes);
      const fits =
        stats.frames + added.frames <= guard.maxFrames && stats.bytes + added.bytes <= guard.maxBytes;
      return fits ? undefined : { status: "queue_full", recipient: guard.recipient, stats };
    }
    case "diskQuota": {
      const usedBytes = context.usedBytes();
      if (!context.quota.isFull(usedBytes)) return undefined;
      return { status: "disk_full", usedBytes, limitBytes: context.quota.limitBytes ?? 0 };
    }
    case "leaseEpoch": {
      // FOR SHARE: a takeLease of this device waits until this work has committed or rolled back
      const [row] =
        await tx`SELECT epoch FROM leases WHERE device = ${guard.device} AND instance IS NOT NULL FOR SHARE`;
      const epoch = row === undefined ? 0 : Number(row.epoch);
      return epoch === guard.epoch ? undefined : { status: "stale_lease", device: guard.device, epoch };
    }
  }
}

async function applyWrite(
  tx: TransactionSQL,
  context: PostgresWorkContext,
  write: Write,
): Promise<number | undefined> {
  switch (write.type) {
    case "enqueue": {
      const { recipient, kind, messageId, sender, frame, enqueuedAtMs, expiresAtMs } = write.entry;
      const [row] = await tx`WITH e AS (
          INSERT INTO entries (seq, recipient, kind, message_id, sender, frame, enqueued_at_ms, expires_at_ms)
          VALUES (nextval('entry_seq'), ${recipient}, ${kind}, ${messageId}, ${sender}, ${frame}, ${enqueuedAtMs}, ${expiresAtMs})
          RETURNING seq, recipient, octet_length(frame) AS bytes),
        d AS (UPDATE devices SET queued_frames = queued_frames + 1, queued_bytes = queued_bytes + e.bytes
          FROM e WHERE devices.id = e.recipient)
        SELECT seq FROM e`;
      return Number(row?.seq);
    }
    case "deleteEntry":
      await tx`WITH e AS (DELETE FROM entries WHERE seq = ${write.seq} AND recipient = ${write.recipient}
          RETURNING recipient, octet_length(frame) AS bytes)
        UPDATE devices SET queued_frames = queued_frames - 1, queued_bytes = queued_bytes - e.bytes
        FROM e WHERE devices.id = e.recipient`;
      return undefined;
    case "markSeen":
      throw new StoreError("invalid_write", "markSeen is applied after the other writes");
    case "touchContact":
      await touchContact(tx, context, write.a, write.b, write.atMs);
      return undefined;
    case "putDevice": {
      const d = write.device;
      await tx`INSERT INTO devices (id, public_key, user_id, state, info, capabilities, registered_at_ms, updated_at_ms)
        VALUES (${d.id}, ${d.publicKey}, ${d.userId}, ${d.state}, ${d.info}, ${d.capabilities}, ${d.registeredAtMs}, ${d.updatedAtMs})
        ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, user_id = excluded.user_id,
          state = excluded.state, info = excluded.info, capabilities = excluded.capabilities,
          registered_at_ms = excluded.registered_at_ms, updated_at_ms = excluded.updated_at_ms`;
      return undefined;
    }
    case "setDeviceState": {
      const result =
        await tx`UPDATE devices SET state = ${write.state}, updated_at_ms = ${write.atMs} WHERE id = ${write.device}`;
      if (result.count === 0) {
        throw new StoreError("invalid_write", "unit of work refused: state change of an unknown device");
      }
      return undefined;
    }
    case "putPresence": {
      const { device, status, frame, atMs } = write.presence;
      await tx`INSERT INTO presence (device, status, frame, at_ms) VALUES (${device}, ${status}, ${frame}, ${atMs})
        ON CONFLICT (device) DO UPDATE SET status = excluded.status, frame = excluded.frame, at_ms = excluded.at_ms`;
      return undefined;
    }
  }
}

/** Writes the pair both ways, only when its time moves by the resolution (read first: no lock, no WAL). */
async function touchContact(
  tx: TransactionSQL,
  context: PostgresWorkContext,
  a: Id,
  b: Id,
  atMs: number,
): Promise<void> {
  const [row] = await tx`SELECT last_at_ms FROM contacts WHERE device = ${a} AND peer = ${b}`;
  const storedAtMs = row === undefined ? undefined : Number(row.last_at_ms);
  if (!contactMoves(storedAtMs, atMs, context.contactResolutionMs)) return;
  const pairs = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
  const [first, second] = pairs as [Id, Id];
  const resolution = context.contactResolutionMs;
  const rows =
    Buffer.compare(first, second) === 0
      ? [[first, first]]
      : [
          [first, second],
          [second, first],
        ];
  for (const [device, peer] of rows) {
    await tx`INSERT INTO contacts (device, peer, last_at_ms) VALUES (${device}, ${peer}, ${atMs})
      ON CONFLICT (device, peer) DO UPDATE SET last_at_ms = excluded.last_at_ms
      WHERE excluded.last_at_ms > contacts.last_at_ms AND excluded.last_at_ms - contacts.last_at_ms >= ${resolution}`;
  }
}
