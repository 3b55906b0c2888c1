import { timingSafeEqual } from "node:crypto";
import { toHex } from "../../protocol/bytes.ts";
import { AUTH_MAX_SKEW_MS, checkFreshness } from "../../protocol/freshness.ts";
import {
  type AuthRequestBody,
  authSignatureInput,
  decodeAuthRequest,
  deviceIdOf,
} from "../../protocol/messages.ts";
import { ErrorCode, ProtocolError, rateLimitError } from "../../protocol/protocol-error.ts";
import { verifyStrict } from "../../protocol/strict-ed25519.ts";
import type { FrameContext } from "./frame-context.ts";

/**
 * 0x03 AuthRequest, §6.3 order: lockout (502) → skew (103) → device_id = BLAKE3(key) (200) →
 * signature (200) → unknown device (201). No device store exists yet: every device is unknown.
 */
export function handleAuthRequest({ inner, header, nowMs, shared, address, th }: FrameContext): never {
  const body = decodeAuthRequest(inner);
  const keys = [`device:${toHex(body.deviceId)}`, `address:${address}`];
  const lockedSecs = shared.lockout.remainingSecs(keys, nowMs);
  if (lockedSecs > 0) {
    throw rateLimitError(
      "too many failed authentications: locked out",
      "lockout",
      "auth_failures",
      lockedSecs,
    );
  }
  checkFreshness(header.timestampMs, nowMs, AUTH_MAX_SKEW_MS);
  try {
    verifyAuth(body, th);
  } catch (error) {
    shared.lockout.recordFailure(keys, nowMs);
    throw error;
  }
}

/** Steps 3–5 of §6.3, each failure counted by the lockout. */
function verifyAuth(body: AuthRequestBody, th: Uint8Array): never {
  if (!timingSafeEqual(deviceIdOf(body.devicePublicKey), body.deviceId)) {
    throw new ProtocolError(
      ErrorCode.authenticationFailed,
      "device_id is not BLAKE3(device_public_key)",
      "device_id",
    );
  }
  if (!verifyStrict(body.devicePublicKey, authSignatureInput(body.deviceId, th), body.signature)) {
    throw new ProtocolError(
      ErrorCode.authenticationFailed,
      "the authentication signature does not verify",
      "signature",
    );
  }
  throw new ProtocolError(
    ErrorCode.deviceNotRegistered,
    "this device is not registered on this server",
    "unknown_device",
  );
}
