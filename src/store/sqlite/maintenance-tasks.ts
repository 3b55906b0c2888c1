import type { QueueEntry } from "../records.ts";
import type { RevokeOutcome } from "../work.ts";
import type { WorkContext } from "./apply-work.ts";
import { entryOf } from "./rows.ts";

/** The synchronous bodies of the store's bulk removals, run as group-commit tasks. */
export function sweepExpiredTask(context: WorkContext, nowMs: number, limit: number): QueueEntry[] {
  const expired = context.statements.expired.all(nowMs, Math.max(0, limit)).map(entryOf);
  for (const entry of expired) {
    context.statements.deleteEntry.get(entry.seq, entry.recipient);
    context.counters.add(entry.recipient, -1, -entry.frame.byteLength);
  }
  return expired;
}

/** Marks a device revoked and deletes its queue, returning the queue in commit order. */
export function revokeDeviceTask(context: WorkContext, id: Uint8Array, atMs: number): RevokeOutcome {
  const { statements } = context;
  const device = statements.deviceState.get(id);
  if (device === null) return { status: "unknown_device" };
  if (device.state === "revoked") return { status: "already_revoked" };
  statements.setDeviceState.run("revoked", atMs, id);
  const purged = statements.queueOf.all(id).map(entryOf);
  statements.deleteQueue.run(id);
  context.counters.clear(id);
  return { status: "revoked", purged };
}
