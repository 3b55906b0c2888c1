import type { SQL } from "bun";
import type { InstanceRecord, Lease } from "../cluster-ports.ts";
import type { Id, QueueEntry } from "../records.ts";
import { bytesOf, ENTRY_COLUMNS, entryOf, type Row } from "./postgres-rows.ts";

// LeaseStore on Postgres. A lease row outlives its release (instance NULL) so epochs never repeat.

function leaseOf(row: Row): Lease {
  return {
    device: bytesOf(row.device),
    instance: String(row.instance),
    epoch: Number(row.epoch),
    takenAtMs: Number(row.taken_at_ms),
  };
}

/** Gives the device's lease to `instance` with the next epoch; returns it and the lease it replaced. */
export async function takeLease(
  sql: SQL,
  device: Id,
  instance: string,
  nowMs: number,
): Promise<{ lease: Lease; previous?: Lease }> {
  return await sql.begin(async (tx) => {
    await tx`INSERT INTO leases (device, instance, epoch, taken_at_ms) VALUES (${device}, NULL, 0, ${nowMs})
      ON CONFLICT (device) DO NOTHING`;
    const [before] =
      await tx`SELECT device, instance, epoch, taken_at_ms FROM leases WHERE device = ${device} FOR UPDATE`;
    const [after] =
      await tx`UPDATE leases SET instance = ${instance}, epoch = epoch + 1, taken_at_ms = ${nowMs}
      WHERE device = ${device} RETURNING device, instance, epoch, taken_at_ms`;
    const lease = leaseOf(after as Row);
    return before?.instance == null ? { lease } : { lease, previous: leaseOf(before) };
  });
}

export async function getLease(sql: SQL, device: Id): Promise<Lease | undefined> {
  const [row] = await sql`SELECT device, instance, epoch, taken_at_ms FROM leases
    WHERE device = ${device} AND instance IS NOT NULL`;
  return row === undefined ? undefined : leaseOf(row);
}

/** Ends the lease only while it still has `epoch`; true when it ended. */
export async function releaseLease(sql: SQL, device: Id, epoch: number): Promise<boolean> {
  const result = await sql`UPDATE leases SET instance = NULL
    WHERE device = ${device} AND epoch = ${epoch} AND instance IS NOT NULL`;
  return result.count > 0;
}

/** The queue page, read in one statement with the lease check: "stale" unless the lease has `epoch`. */
export async function fencedPage(
  sql: SQL,
  recipient: Id,
  epoch: number,
  afterSeq: number,
  limit: number,
): Promise<QueueEntry[] | "stale"> {
  const columns = ENTRY_COLUMNS.split(", ")
    .map((column) => `e.${column}`)
    .join(", ");
  const rows: Row[] = await sql.unsafe(
    `SELECT ${columns} FROM leases l LEFT JOIN LATERAL (
       SELECT ${ENTRY_COLUMNS} FROM entries WHERE recipient = l.device AND seq > $3 ORDER BY seq LIMIT $4
     ) e ON true
     WHERE l.device = $1 AND l.epoch = $2 AND l.instance IS NOT NULL ORDER BY e.seq`,
    [recipient, epoch, afterSeq, Math.max(0, limit)],
  );
  if (rows.length === 0) return "stale";
  return rows.filter((row) => row.seq !== null).map(entryOf);
}

/** Records that `instance` is alive at `nowMs` (registers it on the first call). */
export async function heartbeat(sql: SQL, instance: string, nowMs: number): Promise<void> {
  await sql`INSERT INTO instances (name, started_at_ms, heartbeat_at_ms) VALUES (${instance}, ${nowMs}, ${nowMs})
    ON CONFLICT (name) DO UPDATE SET heartbeat_at_ms = greatest(instances.heartbeat_at_ms, excluded.heartbeat_at_ms)`;
}

/** Ends every lease `instance` holds; returns how many. */
export async function clearLeases(sql: SQL, instance: string): Promise<number> {
  return (await sql`UPDATE leases SET instance = NULL WHERE instance = ${instance}`).count;
}

/** Forgets instances whose last heartbeat is before `beforeMs`, ending their leases; returns the lease count. */
export async function expireInstances(sql: SQL, beforeMs: number): Promise<number> {
  return await sql.begin(async (tx) => {
    const gone: Row[] = await tx`DELETE FROM instances WHERE heartbeat_at_ms < ${beforeMs} RETURNING name`;
    if (gone.length === 0) return 0;
    const names = gone.map((row) => String(row.name));
    return (await tx`UPDATE leases SET instance = NULL WHERE instance = ANY(${tx.array(names, "text")})`)
      .count;
  });
}

/** Every known instance, by name, with the leases it holds. */
export async function instances(sql: SQL): Promise<InstanceRecord[]> {
  const rows: Row[] = await sql`SELECT i.name, i.started_at_ms, i.heartbeat_at_ms, count(l.device) AS leases
    FROM instances i LEFT JOIN leases l ON l.instance = i.name
    GROUP BY i.name, i.started_at_ms, i.heartbeat_at_ms ORDER BY i.name`;
  return rows.map((row) => ({
    name: String(row.name),
    startedAtMs: Number(row.started_at_ms),
    heartbeatAtMs: Number(row.heartbeat_at_ms),
    leases: Number(row.leases),
  }));
}
