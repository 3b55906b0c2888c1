import { AckStatus } from "../../protocol/ack.ts";
import { decodeSend } from "../../protocol/send.ts";
import { verifyStrict } from "../../protocol/strict-ed25519.ts";
import type { FrameContext } from "./frame-context.ts";
import { serverAck } from "./server-ack.ts";

/**
 * 0x10 Send (§8.1): parse (101), then the relay's order (sender 303, payload 402, freshness 103,
 * dedupe, limit 502, signature 200, recipient 400, caps/quota 502, durable commit 500); the
 * status-0 reply leaves only after the commit (a repeat from the same sender gets it again).
 */
export async function handleSend(context: FrameContext): Promise<Uint8Array> {
  const body = decodeSend(context.inner);
  const device = context.device as Uint8Array;
  await context.relay.send({
    nowMs: context.nowMs,
    sessionDevice: device,
    messageId: context.header.messageId,
    timestampMs: Number(context.header.timestampMs),
    senderId: body.senderId,
    recipientId: body.recipientId,
    payloadBytes: body.encryptedPayload.byteLength,
    frame: context.inner,
    verifySignature: () => verifySessionDevice(context, body.signed, body.signature),
  });
  return serverAck(context, AckStatus.accepted, body.senderId);
}

/** Strict Ed25519 by the session device's key (looked up by the relay at authentication). */
export function verifySessionDevice(
  context: FrameContext,
  signed: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = context.devicePublicKey;
  return key !== undefined && verifyStrict(key, signed, signature);
}
