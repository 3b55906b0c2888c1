import { decodeRegister } from "../../protocol/messages.ts";
import { checkRegisterSignature } from "../../protocol/register.ts";
import type { FrameContext } from "./frame-context.ts";
import { serverAck } from "./server-ack.ts";

/**
 * 0x02 Register (§6.2): parse (101), then the relay's order (limit, freshness, strict
 * self-signature, the table, durable commit); the reply is a server 0x11 status 0 (active) or 4
 * (pending approval), ref = this frame, target = the device_id.
 */
export async function handleRegister(context: FrameContext): Promise<Uint8Array> {
  const body = decodeRegister(context.inner);
  const outcome = await context.relay.register({
    nowMs: context.nowMs,
    address: context.address,
    messageId: context.header.messageId,
    timestampMs: Number(context.header.timestampMs),
    publicKey: body.devicePublicKey,
    userId: body.userId,
    deviceInfo: body.deviceInfo,
    capabilities: body.capabilities,
    verifySignature: () => {
      try {
        checkRegisterSignature(body);
        return true;
      } catch {
        return false;
      }
    },
  });
  return serverAck(context, outcome.status, outcome.deviceId);
}
