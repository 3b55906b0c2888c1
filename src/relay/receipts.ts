import type { Id, NewEntry, QueueEntry } from "../store/records.ts";
import type { CommitOutcome, Guard, Write } from "../store/work.ts";
import { commitWork } from "./checks.ts";
import { SERVER_ID } from "./ids.ts";
import type { RelayContext } from "./relay-context.ts";
import { RelayCode, RelayError } from "./relay-error.ts";

/** A receipt entry: the 0x11 frame `frame` (id `messageId`, from `sender`) waiting in `recipient`'s queue. */
export function receiptEntry(
  ctx: RelayContext,
  recipient: Id,
  sender: Id,
  made: { messageId: Id; frame: Uint8Array },
  nowMs: number,
): NewEntry {
  return {
    recipient,
    kind: "receipt",
    messageId: made.messageId,
    sender,
    frame: made.frame,
    enqueuedAtMs: nowMs,
    expiresAtMs: nowMs + ctx.settings.queueTtlMs,
  };
}

/**
 * Commits `writes` together with `receipt` queued for its recipient (§8.2), then wakes it. A
 * receipt over the recipient's caps, or for a revoked or unknown device, is dropped (§8.3) and the
 * writes commit alone. Resolves with whether the receipt was queued; a storage failure is 500.
 */
export async function queueReceipt(
  ctx: RelayContext,
  receipt: NewEntry,
  writes: Write[],
  ref: Id | undefined,
  writeGuards: Guard[] = [],
): Promise<boolean> {
  const { recipient } = receipt;
  const { queueMaxFrames: maxFrames, queueMaxBytes: maxBytes } = ctx.settings;
  const outcome = await commitWork(
    ctx.store,
    {
      guards: [
        ...writeGuards,
        { type: "deviceUsable", device: recipient },
        { type: "queueCap", recipient, maxFrames, maxBytes },
      ],
      writes: [...writes, { type: "enqueue", entry: receipt }],
    },
    ref,
  );
  refuseStaleLease(outcome, ref);
  if (outcome.status === "ok") {
    ctx.router.wake(recipient);
    return true;
  }
  ctx.stats.receiptsDropped += 1;
  if (writes.length > 0)
    refuseStaleLease(await commitWork(ctx.store, { guards: writeGuards, writes }, ref), ref);
  return false;
}

/** Cluster mode: a newer session of the device elsewhere holds its lease, so this one's deletions are refused (203). */
function refuseStaleLease(outcome: CommitOutcome, ref: Id | undefined): void {
  if (outcome.status !== "stale_lease") return;
  throw new RelayError(RelayCode.sessionExpired, "a newer session of this device took over", {
    reason: "superseded",
    ref,
  });
}

/**
 * Queues a server-signed status-3 receipt (§8.3 expiry, §8.4 revocation) for the sender of each
 * removed message; receipts among `removed` are simply gone. Resolves with how many were queued.
 */
export async function failRemoved(ctx: RelayContext, removed: QueueEntry[], nowMs: number): Promise<number> {
  const sends = removed
    .filter((entry) => entry.kind === "message")
    .map((entry) => {
      const made = ctx.frames.failureReceipt({
        refMessageId: entry.messageId,
        targetId: entry.sender,
        nowMs,
      });
      const receipt = receiptEntry(ctx, entry.sender, SERVER_ID, made, nowMs);
      return queueReceipt(ctx, receipt, [], undefined).catch(() => false);
    });
  const queued = await Promise.all(sends);
  return queued.filter(Boolean).length;
}
