import type { Database } from "bun:sqlite";
import type { InstanceRecord, Lease } from "../cluster-ports.ts";
import type { Id } from "../records.ts";

interface LeaseRow {
  device: Uint8Array;
  instance: string | null;
  epoch: number;
  taken_at_ms: number;
}

function leaseOf(row: LeaseRow | null): Lease | undefined {
  if (row?.instance == null) return undefined;
  return { device: row.device, instance: row.instance, epoch: row.epoch, takenAtMs: row.taken_at_ms };
}

/**
 * The cluster ports' leases and heartbeats in the sqlite store (schema v3). Synchronous: the
 * changes run as group-commit tasks, the reads on committed state.
 */
export class SqliteLeases {
  private readonly sql;

  constructor(db: Database) {
    this.sql = {
      get: db.prepare<LeaseRow, [Uint8Array]>(
        "SELECT device, instance, epoch, taken_at_ms FROM leases WHERE device = ?",
      ),
      put: db.prepare<never, [Uint8Array, string, number, number]>(
        `INSERT INTO leases (device, instance, epoch, taken_at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (device) DO UPDATE SET instance = excluded.instance, epoch = excluded.epoch, taken_at_ms = excluded.taken_at_ms`,
      ),
      release: db.prepare<never, [Uint8Array, number]>(
        "UPDATE leases SET instance = NULL WHERE device = ? AND epoch = ? AND instance IS NOT NULL",
      ),
      clear: db.prepare<never, [string]>("UPDATE leases SET instance = NULL WHERE instance = ?"),
      heartbeat: db.prepare<never, [string, number, number]>(
        `INSERT INTO instances (name, started_at_ms, heartbeat_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET heartbeat_at_ms = max(heartbeat_at_ms, excluded.heartbeat_at_ms)`,
      ),
      expired: db.prepare<{ name: string }, [number]>(
        "DELETE FROM instances WHERE heartbeat_at_ms < ? RETURNING name",
      ),
      instances: db.prepare<
        { name: string; started_at_ms: number; heartbeat_at_ms: number; leases: number },
        []
      >(
        `SELECT i.name, i.started_at_ms, i.heartbeat_at_ms, count(l.device) AS leases
         FROM instances i LEFT JOIN leases l ON l.instance = i.name GROUP BY i.name ORDER BY i.name`,
      ),
    };
  }

  take(device: Id, instance: string, nowMs: number): { lease: Lease; previous?: Lease } {
    const row = this.sql.get.get(device);
    const epoch = (row?.epoch ?? 0) + 1;
    this.sql.put.run(device, instance, epoch, nowMs);
    const lease = { device: device.slice(), instance, epoch, takenAtMs: nowMs };
    const previous = leaseOf(row);
    return previous === undefined ? { lease } : { lease, previous };
  }

  get(device: Id): Lease | undefined {
    return leaseOf(this.sql.get.get(device));
  }

  /** The epoch of the device's lease held now (0: none). */
  epochOf(device: Id): number {
    return this.get(device)?.epoch ?? 0;
  }

  release(device: Id, epoch: number): boolean {
    return this.sql.release.run(device, epoch).changes > 0;
  }

  heartbeat(instance: string, nowMs: number): void {
    this.sql.heartbeat.run(instance, nowMs, nowMs);
  }

  clear(instance: string): number {
    return this.sql.clear.run(instance).changes;
  }

  expire(beforeMs: number): number {
    let ended = 0;
    for (const { name } of this.sql.expired.all(beforeMs)) ended += this.clear(name);
    return ended;
  }

  instances(): InstanceRecord[] {
    return this.sql.instances.all().map((row) => ({
      name: row.name,
      startedAtMs: row.started_at_ms,
      heartbeatAtMs: row.heartbeat_at_ms,
      leases: row.leases,
    }));
  }

  finalize(): void {
    for (const statement of Object.values(this.sql)) statement.finalize();
  }
}
