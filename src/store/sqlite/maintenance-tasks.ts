import type { QueueEntry } from "../records.ts";
import type { RevokeOutcome } from "../work.ts";
import type { Statements } from "./prepare-statements.ts";
import { entryOf } from "./rows.ts";

/** The synchronous bodies of the store's bulk removals, run as group-commit tasks. */
export function sweepExpiredTask(statements: Statements, nowMs: number, limit: number): QueueEntry[] {
  const expired = statements.expired.all(nowMs, Math.max(0, limit)).map(entryOf);
  for (const entry of expired) statements.deleteEntryBySeq.run(entry.seq);
  return expired;
}

/** Marks a device revoked and deletes its queue, returning the queue in commit order. */
export function revokeDeviceTask(statements: Statements, id: Uint8Array, atMs: number): RevokeOutcome {
  const device = statements.deviceQueue.get(id);
  if (device === null) return { status: "unknown_device" };
  if (device.state === "revoked") return { status: "already_revoked" };
  statements.setDeviceState.run("revoked", atMs, id);
  const purged = statements.queueOf.all(id).map(entryOf);
  statements.deleteQueue.run(id);
  return { status: "revoked", purged };
}
