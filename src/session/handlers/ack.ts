import { decodeAck } from "../../protocol/ack.ts";
import type { FrameContext } from "./frame-context.ts";
import { verifySessionDevice } from "./send.ts";

/** A client 0x11 (§6.6): the relay deletes the acked entry and forwards the ack; no reply. */
export async function handleAck(context: FrameContext): Promise<null> {
  const body = decodeAck(context.inner);
  await context.relay.ack({
    nowMs: context.nowMs,
    sessionDevice: context.device as Uint8Array,
    messageId: context.header.messageId,
    timestampMs: Number(context.header.timestampMs),
    refMessageId: body.refMessageId,
    status: body.status,
    ackerId: body.ackerId,
    targetId: body.targetId,
    frame: context.inner,
    verifySignature: () => verifySessionDevice(context, body.signed, body.signature),
  });
  return null;
}
