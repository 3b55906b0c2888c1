import type { Database } from "bun:sqlite";

/** The limits of one recordAuthFailure call (§6.3 auth_failures). */
export interface LockoutLimits {
  windowMs: number;
  maxFailures: number;
  lockoutMs: number;
}

interface LockoutRow {
  failures_ms: string;
  locked_until_ms: number;
}

/**
 * The §6.3 lockout in the sqlite store (schema v3), with relay/auth-lockout.ts's sliding window:
 * failures within `windowMs` count per key; the max-th locks the key for `lockoutMs`.
 */
export class SqliteLockout {
  private readonly sql;

  constructor(db: Database) {
    this.sql = {
      get: db.prepare<LockoutRow, [string]>(
        "SELECT failures_ms, locked_until_ms FROM auth_lockout WHERE key = ?",
      ),
      put: db.prepare<never, [string, string, number, number]>(
        `INSERT INTO auth_lockout (key, failures_ms, locked_until_ms, stale_at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET failures_ms = excluded.failures_ms,
           locked_until_ms = excluded.locked_until_ms, stale_at_ms = excluded.stale_at_ms`,
      ),
      until: db.prepare<{ until: number | null }, [string]>(
        "SELECT locked_until_ms AS until FROM auth_lockout WHERE key = ?",
      ),
      prune: db.prepare<never, [number]>(
        "DELETE FROM auth_lockout WHERE key IN (SELECT key FROM auth_lockout WHERE stale_at_ms <= ? LIMIT 100)",
      ),
    };
  }

  /** Counts one failure against each key (run as a group-commit task). */
  record(keys: readonly string[], nowMs: number, limits: LockoutLimits): void {
    for (const key of new Set(keys)) {
      const row = this.sql.get.get(key);
      const kept = row === null ? [] : (JSON.parse(row.failures_ms) as number[]);
      let failures = kept.filter((at) => nowMs - at < limits.windowMs);
      failures.push(nowMs);
      let lockedUntilMs = row?.locked_until_ms ?? 0;
      if (failures.length >= limits.maxFailures) {
        lockedUntilMs = nowMs + limits.lockoutMs;
        failures = [];
      }
      const staleAtMs = Math.max(lockedUntilMs, nowMs + limits.windowMs);
      this.sql.put.run(key, JSON.stringify(failures), lockedUntilMs, staleAtMs);
    }
    this.sql.prune.run(nowMs);
  }

  lockedUntilMs(keys: readonly string[], nowMs: number): number {
    let until = 0;
    for (const key of keys) until = Math.max(until, this.sql.until.get(key)?.until ?? 0);
    return until > nowMs ? until : 0;
  }

  finalize(): void {
    for (const statement of Object.values(this.sql)) statement.finalize();
  }
}
