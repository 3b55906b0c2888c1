import { decodePresence } from "../../protocol/presence.ts";
import type { FrameContext } from "./frame-context.ts";
import { verifySessionDevice } from "./send.ts";

/** 0x20 Presence (§6.6): stored as latest and pushed to the audience's online sessions; no reply. */
export async function handlePresence(context: FrameContext): Promise<null> {
  const body = decodePresence(context.inner);
  await context.relay.presence({
    nowMs: context.nowMs,
    sessionDevice: context.device as Uint8Array,
    messageId: context.header.messageId,
    timestampMs: Number(context.header.timestampMs),
    deviceId: body.deviceId,
    status: body.status,
    frame: context.inner,
    verifySignature: () => verifySessionDevice(context, body.signed, body.signature),
  });
  return null;
}
