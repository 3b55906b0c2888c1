import { randomBytes } from "../../protocol/bytes.ts";
import { signEd25519 } from "../../protocol/keys.ts";
import { buildTimeSyncReply } from "../../protocol/messages.ts";
import { rateLimitError } from "../../protocol/protocol-error.ts";
import type { FrameContext } from "./frame-context.ts";

/** 0x33 TimeSync (§6.7): the `time_sync` limit (502), then the reply signed with IKs, announcing `time_sync.uncertainty`. */
export function handleTimeSync({ header, nowMs, timeSync, identity, relay }: FrameContext): Uint8Array {
  const retryAfter = timeSync.take(nowMs);
  if (retryAfter > 0) {
    throw rateLimitError("time sync rate limit exceeded", "rate_limit", "time_sync", retryAfter);
  }
  return buildTimeSyncReply(
    { version: header.version, timestampMs: BigInt(nowMs), messageId: randomBytes(32) },
    {
      serverTimeUs: BigInt(nowMs) * 1000n,
      uncertaintyUs: relay.settings.timeSyncUncertaintyUs,
      ntpStratum: 0,
    },
    (message) => signEd25519(identity.privateKey, message),
  );
}
