import { timingSafeEqual } from "node:crypto";
import type { AuthLockout } from "./auth-lockout.ts";
import { randomBytes, toHex } from "./bytes.ts";
import { decodeHeader, type FrameHeader, FrameType } from "./header.ts";
import type { KeyedBuckets } from "./keyed-buckets.ts";
import { signEd25519, verifyEd25519Raw } from "./keys.ts";
import {
  type AuthRequestBody,
  authSignatureInput,
  buildTimeSyncReply,
  decodeAuthRequest,
  decodeRegister,
  deviceIdOf,
} from "./messages.ts";
import { ErrorCode, ProtocolError, rateLimitError } from "./protocol-error.ts";
import type { ServerIdentity } from "./server-handshake.ts";
import type { TokenBucket } from "./token-bucket.ts";

/** Freshness window of client-signed frames (§6.1), and the 0x03 clock-skew bound. */
export const FRESHNESS_WINDOW_MS = 300_000;
export const AUTH_MAX_SKEW_MS = 5_000;
/** time_sync.uncertainty default (µs) when not measured. */
export const TIME_SYNC_UNCERTAINTY_US = 50_000;

/** What a KEYED request sees: the transcript hash, the clock, the identity, and the limits. */
export interface KeyedContext {
  th: Uint8Array;
  nowMs: number;
  identity: ServerIdentity;
  timeSync: TokenBucket;
  lockout: AuthLockout;
  /** The `registrations` limit, per source address and per user_id. */
  registrations: KeyedBuckets;
  /** The peer's IP address (lockout and rate-limit key). */
  address: string;
}

/**
 * Handles one inner frame in KEYED (§6, §7.1). Returns the inner reply to seal, or null for none;
 * throws ProtocolError (every error before AUTHENTICATED is fatal). No devices exist yet, so
 * 0x02 ends as under policy `closed` and 0x03 as for an unknown device.
 */
export function handleKeyedFrame(inner: Uint8Array, context: KeyedContext): Uint8Array | null {
  const header = decodeHeader(inner);
  try {
    switch (header.type) {
      case FrameType.timeSync:
        return timeSyncReply(header, context);
      case FrameType.register:
        return refuseRegister(inner, header, context);
      case FrameType.authRequest:
        return refuseAuth(inner, header, context);
      case FrameType.error:
        return null;
      default:
        throw new ProtocolError(
          ErrorCode.operationNotPermitted,
          `frame type 0x${header.type.toString(16).padStart(2, "0")} is not allowed before authentication`,
          "state",
        );
    }
  } catch (error) {
    if (error instanceof ProtocolError && error.ref === undefined) error.about(header.messageId);
    throw error;
  }
}

function timeSyncReply(header: FrameHeader, context: KeyedContext): Uint8Array {
  const retryAfter = context.timeSync.take(context.nowMs);
  if (retryAfter > 0) {
    throw rateLimitError("time sync rate limit exceeded", "rate_limit", "time_sync", retryAfter);
  }
  return buildTimeSyncReply(
    { version: header.version, timestampMs: BigInt(context.nowMs), messageId: randomBytes(32) },
    { serverTimeUs: BigInt(context.nowMs) * 1000n, uncertaintyUs: TIME_SYNC_UNCERTAINTY_US, ntpStratum: 0 },
    (message) => signEd25519(context.identity.privateKey, message),
  );
}

function checkClock(header: FrameHeader, nowMs: number, windowMs: number): void {
  const skew = Math.abs(nowMs - Number(header.timestampMs));
  if (skew > windowMs) {
    throw new ProtocolError(
      ErrorCode.sequence,
      `timestamp is ${Math.round(skew / 1000)} s away from server time`,
      "clock_skew",
    );
  }
}

/** §6.2 order: parse (101) → `registrations` limit (502) → freshness (103) → self-signature (200) → policy `closed` (303). */
function refuseRegister(inner: Uint8Array, header: FrameHeader, context: KeyedContext): never {
  const body = decodeRegister(inner);
  const retryAfter = context.registrations.take(
    [`address:${context.address}`, `user:${body.userId}`],
    context.nowMs,
  );
  if (retryAfter > 0) {
    throw rateLimitError("registration rate limit exceeded", "rate_limit", "registrations", retryAfter);
  }
  checkClock(header, context.nowMs, FRESHNESS_WINDOW_MS);
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

/** §6.3 order: lockout (502) → skew (103) → device_id = BLAKE3(key) (200) → signature (200) → unknown device (201). */
function refuseAuth(inner: Uint8Array, header: FrameHeader, context: KeyedContext): never {
  const body = decodeAuthRequest(inner);
  const keys = [`device:${toHex(body.deviceId)}`, `address:${context.address}`];
  const lockedSecs = context.lockout.remainingSecs(keys, context.nowMs);
  if (lockedSecs > 0) {
    throw rateLimitError(
      "too many failed authentications: locked out",
      "lockout",
      "auth_failures",
      lockedSecs,
    );
  }
  checkClock(header, context.nowMs, AUTH_MAX_SKEW_MS);
  try {
    verifyAuth(body, context.th);
  } catch (error) {
    context.lockout.recordFailure(keys, context.nowMs);
    throw error;
  }
}

/** Steps 3–5 of §6.3, each failure counted by the lockout. */
function verifyAuth(body: AuthRequestBody, th: Uint8Array): never {
  const expectedId = deviceIdOf(body.devicePublicKey);
  if (!timingSafeEqual(expectedId, body.deviceId)) {
    throw new ProtocolError(
      ErrorCode.authenticationFailed,
      "device_id is not BLAKE3(device_public_key)",
      "device_id",
    );
  }
  const message = authSignatureInput(body.deviceId, th);
  if (!verifyEd25519Raw(body.devicePublicKey, message, body.signature)) {
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
