import type { Id, QueueEntry } from "../store/records.ts";
import type { Guard, Write } from "../store/work.ts";
import { checkFresh, checkSignature, readStore, requireSessionDevice, takeToken } from "./checks.ts";
import { idHex, sameId } from "./ids.ts";
import { queueReceipt, receiptEntry } from "./receipts.ts";
import type { RelayContext } from "./relay-context.ts";
import { RelayCode, RelayError } from "./relay-error.ts";

/** A decoded client 0x11 Ack from an authenticated session. */
export interface AckRequest {
  nowMs: number;
  sessionDevice: Id;
  /** The ack frame's own message_id and timestamp. */
  messageId: Id;
  timestampMs: number;
  refMessageId: Id;
  status: number;
  ackerId: Id;
  targetId: Id;
  /** The unchanged inner frame: forwarded to the target as a receipt. */
  frame: Uint8Array;
  verifySignature: () => boolean;
}

/** Which branch of the §6.6 order the ack took, and whether its receipt was queued (not dropped). */
export interface AckOutcome {
  matched: "queued" | "seen" | "unmatched";
  forwarded: boolean;
}

/**
 * A client ack, §6.6 order: status 1–3 (101) → acker = session (303) → freshness (103) →
 * signature (200) → the acker's queued entry (target must be its sender, else 303 and it stays:
 * deleted, forwarded) → or a matching seen record (forwarded) → or the `messages` limit (502) and
 * a known unrevoked target (400), forwarded. No reply; resolves after the commit.
 */
export async function ack(ctx: RelayContext, request: AckRequest): Promise<AckOutcome> {
  const { nowMs, messageId: ref, ackerId, targetId } = request;
  if (request.status < 1 || request.status > 3) {
    throw new RelayError(RelayCode.messageFormat, `ack status ${request.status} is not 1–3`, {
      reason: "status",
      ref,
    });
  }
  requireSessionDevice(ackerId, request.sessionDevice, "acker_id", ref);
  checkFresh(request.timestampMs, nowMs, ctx.settings.freshnessWindowMs, ref);
  checkSignature(request.verifySignature, ref, "ack");
  const entry = await readStore(ctx.store.findEntry(ackerId, request.refMessageId), ref);
  if (entry !== undefined && entry.kind === "message") return ackQueued(ctx, request, entry);
  const seen = await readStore(ctx.store.getSeen(request.refMessageId), ref);
  if (seen !== undefined && sameId(seen.recipient, ackerId) && sameId(seen.sender, targetId)) {
    return { matched: "seen", forwarded: await forward(ctx, request, []) };
  }
  takeToken(ctx.limits.messages, [`device:${idHex(ackerId)}`], nowMs, "messages", ref);
  const target = await readStore(ctx.store.getDevice(targetId), ref);
  if (target === undefined || target.state === "revoked") {
    const reason = target === undefined ? "unknown" : "revoked";
    throw new RelayError(RelayCode.destinationUnreachable, `the ack target is ${reason}`, { reason, ref });
  }
  return { matched: "unmatched", forwarded: await forward(ctx, request, []) };
}

/** Step 2: the entry leaves the queue (the only way a message does besides expiry and revocation). */
async function ackQueued(ctx: RelayContext, request: AckRequest, entry: QueueEntry): Promise<AckOutcome> {
  if (!sameId(entry.sender, request.targetId)) {
    throw new RelayError(
      RelayCode.operationNotPermitted,
      "target_id is not the sender of the acked message",
      {
        reason: "target_mismatch",
        ref: request.messageId,
      },
    );
  }
  const remove: Write = { type: "deleteEntry", recipient: entry.recipient, seq: entry.seq };
  const forwarded = await forward(ctx, request, [remove], await leaseFence(ctx, request));
  ctx.stats.messagesAcked += 1;
  if (ctx.cursors.get(idHex(request.ackerId))?.acked(entry.seq)) ctx.router.wake(request.ackerId);
  return { matched: "queued", forwarded };
}

/** Queues the unchanged ack frame as a receipt for its target, committed with `writes` under `guards`. */
function forward(
  ctx: RelayContext,
  request: AckRequest,
  writes: Write[],
  guards: Guard[] = [],
): Promise<boolean> {
  const made = { messageId: request.messageId, frame: request.frame };
  const receipt = receiptEntry(ctx, request.targetId, request.ackerId, made, request.nowMs);
  return queueReceipt(ctx, receipt, writes, request.messageId, guards);
}

/** Cluster mode: the deletion holds only while the acker's session still has its lease epoch. */
async function leaseFence(ctx: RelayContext, request: AckRequest): Promise<Guard[]> {
  const epoch = ctx.router.leaseEpoch?.(request.ackerId);
  if (epoch === undefined) return [];
  const held = await readStore(epoch, request.messageId);
  return [{ type: "leaseEpoch", device: request.ackerId, epoch: held }];
}
