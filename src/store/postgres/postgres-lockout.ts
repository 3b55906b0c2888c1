import type { SQL } from "bun";
import type { Row } from "./postgres-rows.ts";

// The §6.3 auth_failures lockout in Postgres, with AuthLockout's sliding window: failures within
// `windowMs` are kept per key; the max-th starts a lockout of `lockoutMs` and clears the count.

/** How many stale keys one recordAuthFailure deletes on the way (keeps the table small). */
const PRUNE_BATCH = 100;

/** Counts one failure against each key (locked in key order, so concurrent callers cannot deadlock). */
export async function recordAuthFailure(
  sql: SQL,
  keys: readonly string[],
  nowMs: number,
  limits: { windowMs: number; maxFailures: number; lockoutMs: number },
): Promise<void> {
  const unique = [...new Set(keys)].sort();
  if (unique.length === 0) return;
  await sql.begin(async (tx) => {
    const list = tx.array(unique, "text");
    await tx`INSERT INTO auth_lockout (key, failures_ms, locked_until_ms, stale_at_ms)
      SELECT k, '{}', 0, 0 FROM unnest(${list}::text[]) AS k ORDER BY k ON CONFLICT (key) DO NOTHING`;
    const rows: Row[] = await tx`SELECT key, failures_ms, locked_until_ms FROM auth_lockout
      WHERE key = ANY(${list}) ORDER BY key FOR UPDATE`;
    for (const row of rows) {
      let failures = (row.failures_ms as unknown[]).map(Number).filter((at) => nowMs - at < limits.windowMs);
      failures.push(nowMs);
      let lockedUntilMs = Number(row.locked_until_ms);
      if (failures.length >= limits.maxFailures) {
        lockedUntilMs = nowMs + limits.lockoutMs;
        failures = [];
      }
      const staleAtMs = Math.max(lockedUntilMs, nowMs + limits.windowMs);
      await tx`UPDATE auth_lockout SET failures_ms = ${tx.array(failures, "int8")}, locked_until_ms = ${lockedUntilMs},
        stale_at_ms = ${staleAtMs} WHERE key = ${row.key}`;
    }
    await tx`DELETE FROM auth_lockout WHERE key IN (
      SELECT key FROM auth_lockout WHERE stale_at_ms <= ${nowMs} LIMIT ${PRUNE_BATCH})`;
  });
}

/** The latest lockout end among `keys` (0 when none is locked at `nowMs`). */
export async function lockedUntilMs(sql: SQL, keys: readonly string[], nowMs: number): Promise<number> {
  if (keys.length === 0) return 0;
  const [row] = await sql`SELECT coalesce(max(locked_until_ms), 0) AS until FROM auth_lockout
    WHERE key = ANY(${sql.array([...keys], "text")})`;
  const until = Number(row?.until ?? 0);
  return until > nowMs ? until : 0;
}
