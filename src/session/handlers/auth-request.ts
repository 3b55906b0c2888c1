import { buildAuthResponse } from "../../protocol/auth-response.ts";
import { randomBytes } from "../../protocol/bytes.ts";
import { authSignatureInput, decodeAuthRequest } from "../../protocol/messages.ts";
import { verifyStrict } from "../../protocol/strict-ed25519.ts";
import type { FrameContext, ReplyThen } from "./frame-context.ts";

/**
 * 0x03 AuthRequest (§6.3): parse (101), then the relay's order (lockout, skew, device_id, strict
 * signature, known device with the stored key, state); the reply is the 0x04, and the session
 * enters AUTHENTICATED right after sending it (then supersedes and starts deliveries).
 */
export async function handleAuthRequest(context: FrameContext): Promise<ReplyThen> {
  const body = decodeAuthRequest(context.inner);
  const outcome = await context.relay.authenticate({
    nowMs: context.nowMs,
    address: context.address,
    messageId: context.header.messageId,
    timestampMs: Number(context.header.timestampMs),
    deviceId: body.deviceId,
    publicKey: body.devicePublicKey,
    verifySignature: () =>
      verifyStrict(body.devicePublicKey, authSignatureInput(body.deviceId, context.th), body.signature),
  });
  const frame = buildAuthResponse(
    { version: context.header.version, timestampMs: BigInt(context.nowMs), messageId: randomBytes(32) },
    {
      sessionId: outcome.sessionId,
      expiresAtMs: BigInt(outcome.expiresAtMs),
      serverTimeMs: BigInt(context.nowMs),
      messageLimit: outcome.messageLimit,
      queued: outcome.queued,
    },
  );
  return { frame, after: () => context.enterAuthenticated(outcome) };
}
