import { checkFreshness } from "../../protocol/freshness.ts";
import { decodeRegister } from "../../protocol/messages.ts";
import { ErrorCode, ProtocolError, rateLimitError } from "../../protocol/protocol-error.ts";
import { checkRegisterSignature } from "../../protocol/register.ts";
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
  checkFreshness(header.timestampMs, nowMs);
  checkRegisterSignature(body);
  throw new ProtocolError(
    ErrorCode.operationNotPermitted,
    "registration is closed on this server: devices are provisioned by the operator",
    "registration_closed",
  );
}
