import { checkClock, FRESHNESS_WINDOW_MS } from "../../protocol/freshness.ts";
import { verifyEd25519Raw } from "../../protocol/keys.ts";
import { decodeRegister } from "../../protocol/messages.ts";
import { ErrorCode, ProtocolError, rateLimitError } from "../../protocol/protocol-error.ts";
import type { FrameContext } from "./frame-context.ts";

/**
 * 0x02 Register, §6.2 order: parse (101) → `registrations` limit (502) → freshness (103) →
 * self-signature (200) → policy `closed` (303 registration_closed).
 */
export function handleRegister({ inner, header, nowMs, shared, address }: FrameContext): never {
  const body = decodeRegister(inner);
  const retryAfter = shared.registrations.take([`address:${address}`, `user:${body.userId}`], nowMs);
  if (retryAfter > 0) {
    throw rateLimitError("registration rate limit exceeded", "rate_limit", "registrations", retryAfter);
  }
  checkClock(header, nowMs, FRESHNESS_WINDOW_MS);
  if (!verifyEd25519Raw(body.devicePublicKey, body.signed, body.signature)) {
    throw new ProtocolError(
      ErrorCode.authenticationFailed,
      "the registration signature does not verify",
      "signature",
    );
  }
  throw new ProtocolError(
    ErrorCode.operationNotPermitted,
    "registration is closed on this server: devices are provisioned by the operator",
    "registration_closed",
  );
}
