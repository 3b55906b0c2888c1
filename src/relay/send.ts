import type { Id } from "../store/records.ts";
import type { CommitOutcome } from "../store/work.ts";
import {
  checkFresh,
  checkSignature,
  commitWork,
  readStore,
  requireSessionDevice,
  takeToken,
} from "./checks.ts";
import { idHex, sameId } from "./ids.ts";
import type { RelayContext } from "./relay-context.ts";
import { exhausted, RelayCode, RelayError } from "./relay-error.ts";

/** A decoded 0x10 Send from an authenticated session (steps 1–2 of §8.1 are the session's). */
export interface SendRequest {
  nowMs: number;
  sessionDevice: Id;
  messageId: Id;
  timestampMs: number;
  senderId: Id;
  recipientId: Id;
  /** |encrypted_payload|. */
  payloadBytes: number;
  /** The unchanged inner frame: what the queue stores and the recipient receives. */
  frame: Uint8Array;
  verifySignature: () => boolean;
}

/** Status 0 for the sender: `duplicate` when this message_id was already accepted from it (stored once). */
export interface SendOutcome {
  duplicate: boolean;
}

/**
 * §8.1 steps 3–13 in order: sender = session (303) → max_payload (402) → freshness (103) → message_id
 * unknown (same sender: status 0 again, nothing stored; other sender: 103) → `messages` limit (502)
 * → signature (200) → one unit of work (recipient usable 400, caps 502 limit=queue, quota 502
 * limit=disk; entry + seen + contact; failure 500) → resolves (the status-0 reply) → wakes the recipient.
 * One sender's commits are called in the order its sends arrived (SendOrder).
 */
export async function send(ctx: RelayContext, request: SendRequest): Promise<SendOutcome> {
  const turn = ctx.sendOrder.turn(idHex(request.senderId));
  try {
    return await sendInTurn(ctx, request, turn);
  } finally {
    turn.release();
  }
}

async function sendInTurn(
  ctx: RelayContext,
  request: SendRequest,
  turn: { ready: Promise<void>; release: () => void },
): Promise<SendOutcome> {
  const { nowMs, messageId: ref, senderId, recipientId } = request;
  requireSessionDevice(senderId, request.sessionDevice, "sender_id", ref);
  if (request.payloadBytes > ctx.settings.maxPayloadBytes) {
    throw new RelayError(
      RelayCode.messageTooLarge,
      `encrypted_payload is over ${ctx.settings.maxPayloadBytes} bytes`,
      {
        reason: "max_payload",
        ref,
      },
    );
  }
  checkFresh(request.timestampMs, nowMs, ctx.settings.freshnessWindowMs, ref);
  const knownFrom = await readStore(knownSender(ctx, request.messageId, recipientId), ref);
  if (knownFrom !== undefined) return duplicateOf(ctx, knownFrom, senderId, ref);
  takeToken(ctx.limits.messages, [`device:${idHex(senderId)}`], nowMs, "messages", ref);
  checkSignature(request.verifySignature, ref, "message");
  await turn.ready;
  const committing = commitWork(ctx.store, sendWork(ctx, request), ref);
  turn.release();
  const outcome = await committing;
  if (outcome.status !== "ok") return refusedCommit(ctx, outcome, senderId, ref);
  ctx.stats.messagesAccepted += 1;
  ctx.router.wake(recipientId);
  return { duplicate: false };
}

/** The sender of an already known message_id (seen set, or still in the recipient's queue). */
async function knownSender(ctx: RelayContext, messageId: Id, recipient: Id): Promise<Id | undefined> {
  const seen = await ctx.store.getSeen(messageId);
  if (seen !== undefined) return seen.sender;
  return (await ctx.store.findEntry(recipient, messageId))?.sender;
}

function duplicateOf(ctx: RelayContext, knownFrom: Id, sender: Id, ref: Id): SendOutcome {
  if (!sameId(knownFrom, sender)) {
    throw new RelayError(RelayCode.sequence, "this message_id belongs to another sender", {
      reason: "message_id",
      ref,
    });
  }
  ctx.stats.duplicatesAccepted += 1;
  return { duplicate: true };
}

function sendWork(ctx: RelayContext, request: SendRequest) {
  const { nowMs, messageId, senderId: sender, recipientId: recipient } = request;
  const { queueMaxFrames: maxFrames, queueMaxBytes: maxBytes, queueTtlMs } = ctx.settings;
  return {
    guards: [
      { type: "notSeen" as const, messageId, recipient },
      { type: "deviceUsable" as const, device: recipient },
      { type: "queueCap" as const, recipient, maxFrames, maxBytes },
      { type: "diskQuota" as const },
    ],
    writes: [
      {
        type: "enqueue" as const,
        entry: {
          recipient,
          kind: "message" as const,
          messageId,
          sender,
          frame: request.frame,
          enqueuedAtMs: nowMs,
          expiresAtMs: nowMs + queueTtlMs,
        },
      },
      { type: "markSeen" as const, seen: { messageId, sender, recipient, atMs: nowMs } },
      { type: "touchContact" as const, a: sender, b: recipient, atMs: nowMs },
    ],
  };
}

/** A refused unit of work as the §8.1 answer; nothing was stored. */
function refusedCommit(
  ctx: RelayContext,
  outcome: Exclude<CommitOutcome, { status: "ok" }>,
  sender: Id,
  ref: Id,
): SendOutcome {
  const retry = ctx.settings.queueFullRetrySecs;
  switch (outcome.status) {
    case "duplicate":
      return duplicateOf(ctx, outcome.seen.sender, sender, ref);
    case "unknown_device":
      throw new RelayError(RelayCode.destinationUnreachable, "the recipient is not registered", {
        reason: "unknown",
        ref,
      });
    case "revoked":
      throw new RelayError(RelayCode.destinationUnreachable, "the recipient is revoked", {
        reason: "revoked",
        ref,
      });
    case "queue_full":
      throw exhausted("queue", retry, ref, "the recipient's queue is full");
    case "disk_full":
      throw exhausted("disk", retry, ref, "the server's storage quota is used up");
    case "stale_lease":
      // a send carries no leaseEpoch guard: only the acks of a superseded session get this
      throw new Error("unexpected stale_lease outcome for a send");
  }
}
