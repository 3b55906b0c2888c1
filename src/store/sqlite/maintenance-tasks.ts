import type { QueueEntry } from "../records.ts";
import type { RevokeOutcome } from "../work.ts";
import type { WorkContext } from "./apply-work.ts";
import { entryOf } from "./rows.ts";

/** The synchronous bodies of the store's bulk removals, run as group-commit tasks. */
export function sweepExpiredTask(context: WorkContext, nowMs: number, limit: number): QueueEntry[] {
  const expired = context.statements.expired.all(nowMs, Math.max(0, limit)).map(entryOf);
  for (const entry of expired) {
    context.queues.remove(entry.recipient, entry.seq);
    context.statements.deleteEntry.run(entry.seq);
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
  const purged = queuedEntries(context, id);
  for (const entry of purged) {
    context.queues.remove(id, entry.seq);
    statements.deleteEntry.run(entry.seq);
  }
  return { status: "revoked", purged };
}

/** Every entry of a device's queue, in commit order. */
export function queuedEntries(context: WorkContext, recipient: Uint8Array): QueueEntry[] {
  return entriesAt(context, context.queues.page(recipient, 0, Number.POSITIVE_INFINITY));
}

/** The entries with these seqs, in the order given (by primary key). */
export function entriesAt(context: WorkContext, seqs: number[]): QueueEntry[] {
  const entries: QueueEntry[] = [];
  for (const seq of seqs) {
    const cached = context.queues.recent.get(seq);
    if (cached !== undefined) {
      entries.push(cached);
      continue;
    }
    const row = context.statements.entryBySeq.get(seq);
    if (row !== null) entries.push(entryOf(row));
  }
  return entries;
}

/** The queued entry of `recipient` with this message id: cached entries compared in place, others read. */
export function findQueued(context: WorkContext, recipient: Uint8Array, messageId: Uint8Array) {
  for (const seq of context.queues.page(recipient, 0, Number.POSITIVE_INFINITY)) {
    const cached = context.queues.recent.hasMessageId(seq, messageId);
    if (cached === false) continue;
    const [entry] = entriesAt(context, [seq]);
    if (entry !== undefined && Buffer.from(entry.messageId).equals(messageId)) return entry;
  }
  return undefined;
}
