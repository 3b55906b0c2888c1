import type { SQL, TransactionSQL } from "bun";
import type { Id, QueueEntry } from "../records.ts";
import type { RevokeOutcome } from "../work.ts";
import { ENTRY_COLUMNS, entryOf, type Row } from "./postgres-rows.ts";

// The store's bulk removals, each one transaction. Queue totals on the device rows move with the
// deleted entries; those rows are locked in id order first, like a unit of work locks them.

/** Deletes and returns up to `limit` entries with expiresAtMs <= nowMs, earliest expiry (then seq) first. */
export async function sweepExpired(sql: SQL, nowMs: number, limit: number): Promise<QueueEntry[]> {
  if (limit <= 0) return [];
  return await sql.begin(async (tx) => {
    const due: Row[] = await tx`SELECT seq, recipient FROM entries WHERE expires_at_ms <= ${nowMs}
      ORDER BY expires_at_ms, seq LIMIT ${limit}`;
    if (due.length === 0) return [];
    await lockRecipients(
      tx,
      due.map((row) => row.recipient as Uint8Array),
    );
    const seqs = due.map((row) => Number(row.seq));
    const rows: Row[] = await tx.unsafe(
      `DELETE FROM entries WHERE seq = ANY($1::bigint[]) AND expires_at_ms <= $2 RETURNING ${ENTRY_COLUMNS}`,
      [seqs, nowMs],
    );
    const swept = rows.map(entryOf).sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.seq - b.seq);
    await uncount(tx, swept);
    return swept;
  });
}

/** Marks the device revoked and deletes its queue, returning the queue in commit order. */
export async function revokeDevice(sql: SQL, id: Id, atMs: number): Promise<RevokeOutcome> {
  return await sql.begin(async (tx) => {
    const [device] = await tx`SELECT state FROM devices WHERE id = ${id} FOR UPDATE`;
    if (device === undefined) return { status: "unknown_device" };
    if (device.state === "revoked") return { status: "already_revoked" };
    await tx`UPDATE devices SET state = 'revoked', updated_at_ms = ${atMs}, queued_frames = 0, queued_bytes = 0
      WHERE id = ${id}`;
    const rows: Row[] = await tx.unsafe(
      `DELETE FROM entries WHERE recipient = $1 RETURNING ${ENTRY_COLUMNS}`,
      [id],
    );
    return { status: "revoked", purged: rows.map(entryOf).sort((a, b) => a.seq - b.seq) };
  });
}

/** Deletes seen records older than `beforeMs` whose entry left the queue; returns how many. */
export async function pruneSeen(sql: SQL, beforeMs: number): Promise<number> {
  const result = await sql`DELETE FROM seen WHERE at_ms < ${beforeMs}
    AND (seq IS NULL OR NOT EXISTS (SELECT 1 FROM entries WHERE entries.seq = seen.seq))`;
  return result.count;
}

/** Deletes contact pairs last used before `beforeMs`; returns how many pairs. */
export async function pruneContacts(sql: SQL, beforeMs: number): Promise<number> {
  const result = await sql`DELETE FROM contacts WHERE last_at_ms < ${beforeMs}`;
  return result.count / 2;
}

async function lockRecipients(tx: TransactionSQL, ids: Uint8Array[]): Promise<void> {
  await tx`SELECT 1 FROM devices WHERE id = ANY(${tx.array(ids, "bytea")}) ORDER BY id FOR UPDATE`;
}

/** Takes deleted entries off their recipients' queue totals. */
async function uncount(tx: TransactionSQL, entries: QueueEntry[]): Promise<void> {
  const totals = new Map<string, { id: Uint8Array; frames: number; bytes: number }>();
  for (const entry of entries) {
    const key = Buffer.from(entry.recipient).toString("hex");
    const total = totals.get(key) ?? { id: entry.recipient, frames: 0, bytes: 0 };
    total.frames += 1;
    total.bytes += entry.frame.byteLength;
    totals.set(key, total);
  }
  for (const { id, frames, bytes } of totals.values()) {
    await tx`UPDATE devices SET queued_frames = queued_frames - ${frames}, queued_bytes = queued_bytes - ${bytes}
      WHERE id = ${id}`;
  }
}
