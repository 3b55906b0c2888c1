import { AckStatus } from "../../protocol/ack.ts";
import { decodeRevoke } from "../../protocol/revoke.ts";
import type { FrameContext, ReplyThen } from "./frame-context.ts";
import { verifySessionDevice } from "./send.ts";
import { serverAck } from "./server-ack.ts";

/**
 * 0x05 Revoke (§6.4): the relay's order (freshness, limit, signature, unknown 201, foreign 303,
 * already revoked = status 0, §8.4 purge); status 0 (target = the revoked device), then 202 to the
 * session itself when it revoked its own device.
 */
export async function handleRevoke(context: FrameContext): Promise<ReplyThen> {
  const body = decodeRevoke(context.inner);
  const outcome = await context.relay.revoke({
    nowMs: context.nowMs,
    sessionDevice: context.device as Uint8Array,
    messageId: context.header.messageId,
    timestampMs: Number(context.header.timestampMs),
    targetId: body.deviceId,
    reason: body.reason,
    verifySignature: () => verifySessionDevice(context, body.signed, body.signature),
  });
  const frame = serverAck(context, AckStatus.accepted, body.deviceId);
  return { frame, after: () => (outcome.closeRequester ? context.closeRevoked() : undefined) };
}
