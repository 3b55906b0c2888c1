import type { SQL } from "bun";
import type {
  ContactRecord,
  DeviceRecord,
  DeviceState,
  Id,
  PresenceRecord,
  QueueEntry,
  QueueStats,
  SeenRecord,
  StoreOverview,
} from "../records.ts";
import {
  bytesOf,
  DEVICE_COLUMNS,
  deviceOf,
  ENTRY_COLUMNS,
  entryOf,
  presenceOf,
  type Row,
  seenOf,
} from "./postgres-rows.ts";

// The read side of the Postgres store: single statements on the pool, committed state only.

export async function getDevice(sql: SQL, id: Id): Promise<DeviceRecord | undefined> {
  const [row] = await sql.unsafe(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE id = $1`, [id]);
  return row === undefined ? undefined : deviceOf(row);
}

/** Devices of one user (or every device), oldest registration first. */
export async function listDevices(sql: SQL, userId?: string): Promise<DeviceRecord[]> {
  const rows: Row[] =
    userId === undefined
      ? await sql.unsafe(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY registered_at_ms, id`)
      : await sql.unsafe(
          `SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = $1 ORDER BY registered_at_ms, id`,
          [userId],
        );
  return rows.map(deviceOf);
}

export async function overview(sql: SQL): Promise<StoreOverview> {
  const devices = { registered: 0, active: 0, suspended: 0, revoked: 0 };
  const byState: Row[] = await sql`SELECT state, count(*) AS n FROM devices GROUP BY state`;
  for (const row of byState) devices[row.state as DeviceState] = Number(row.n);
  const [queue] = await sql`SELECT count(*) AS n, coalesce(sum(octet_length(frame)), 0) AS bytes,
    min(enqueued_at_ms) AS oldest FROM entries`;
  const result: StoreOverview = { devices, queueEntries: Number(queue?.n), queueBytes: Number(queue?.bytes) };
  if (queue?.oldest != null) result.oldestEnqueuedAtMs = Number(queue.oldest);
  return result;
}

export async function mailboxPage(
  sql: SQL,
  recipient: Id,
  afterSeq: number,
  limit: number,
): Promise<QueueEntry[]> {
  const rows: Row[] = await sql.unsafe(
    `SELECT ${ENTRY_COLUMNS} FROM entries WHERE recipient = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [recipient, afterSeq, Math.max(0, limit)],
  );
  return rows.map(entryOf);
}

/** The entry through the seen record sent with it; a receipt (no seen record) by a scan of the queue. */
export async function findEntry(sql: SQL, recipient: Id, messageId: Id): Promise<QueueEntry | undefined> {
  const [linked] = await sql.unsafe(
    `SELECT ${ENTRY_COLUMNS} FROM entries WHERE seq = (SELECT seq FROM seen WHERE message_id = $2)
     AND recipient = $1 AND message_id = $2`,
    [recipient, messageId],
  );
  if (linked !== undefined) return entryOf(linked);
  const [row] = await sql.unsafe(
    `SELECT ${ENTRY_COLUMNS} FROM entries WHERE recipient = $1 AND message_id = $2 ORDER BY seq LIMIT 1`,
    [recipient, messageId],
  );
  return row === undefined ? undefined : entryOf(row);
}

export async function queueStats(sql: SQL, recipient: Id): Promise<QueueStats> {
  const [row] = await sql`SELECT queued_frames, queued_bytes FROM devices WHERE id = ${recipient}`;
  return { frames: Number(row?.queued_frames ?? 0), bytes: Number(row?.queued_bytes ?? 0) };
}

export async function getSeen(sql: SQL, messageId: Id): Promise<SeenRecord | undefined> {
  const [row] =
    await sql`SELECT message_id, sender, recipient, at_ms FROM seen WHERE message_id = ${messageId}`;
  return row === undefined ? undefined : seenOf(row);
}

export async function contactsOf(sql: SQL, device: Id, sinceMs: number): Promise<ContactRecord[]> {
  const rows: Row[] =
    await sql`SELECT peer, last_at_ms FROM contacts WHERE device = ${device} AND last_at_ms >= ${sinceMs}`;
  return rows.map((row) => ({ peer: bytesOf(row.peer), lastAtMs: Number(row.last_at_ms) }));
}

export async function getPresence(sql: SQL, device: Id): Promise<PresenceRecord | undefined> {
  const [row] = await sql`SELECT device, status, frame, at_ms FROM presence WHERE device = ${device}`;
  return row === undefined ? undefined : presenceOf(row);
}
