import type { DeviceRecord, Id } from "../store/records.ts";
import { checkFresh, storageFailure } from "./checks.ts";
import { deviceIdOf, idHex, sameId } from "./ids.ts";
import { lockoutLeftSecs, recordAuthFailure } from "./lockout-check.ts";
import type { RelayContext } from "./relay-context.ts";
import { exhausted, RelayCode, RelayError } from "./relay-error.ts";

/** A decoded 0x03 AuthRequest, as the session hands it over. */
export interface AuthenticateRequest {
  nowMs: number;
  /** The peer's IP address (the lockout counts per device_id and per address). */
  address: string;
  messageId: Id;
  timestampMs: number;
  deviceId: Id;
  publicKey: Uint8Array;
  /** Verifies the 0x03 signature over "NORC-DEVICE-AUTH:" ‖ device_id ‖ ":" ‖ th, strictly. */
  verifySignature: () => boolean;
}

/** What the 0x04 carries (the session adds server_time), and the device it authenticated. */
export interface AuthenticateOutcome {
  device: DeviceRecord;
  /** A fresh random session_id. */
  sessionId: Id;
  /** now + session_lifetime × U[0.9, 1.1]. */
  expiresAtMs: number;
  messageLimit: number;
  /** Entries waiting in the device's queue. */
  queued: number;
}

/**
 * 0x03, §6.3 server order (every failure fatal): lockout (502, retry_after = lockout left) → skew
 * (103) → device_id = BLAKE3(key) (200) → signature (200) → known (201) with the stored key (200) →
 * state (revoked 202, registered 303 pending, suspended 303). Failures of steps 3–5 count toward
 * the lockout. The session then sends 0x04 and calls `attach`.
 */
export async function authenticate(
  ctx: RelayContext,
  request: AuthenticateRequest,
): Promise<AuthenticateOutcome> {
  const { nowMs, messageId: ref } = request;
  const keys = [`device:${idHex(request.deviceId)}`, `address:${request.address}`];
  const lockedSecs = await lockoutLeftSecs(ctx, keys, nowMs);
  if (lockedSecs > 0) {
    throw exhausted("auth_failures", lockedSecs, ref, "too many failed authentications: locked out");
  }
  checkFresh(request.timestampMs, nowMs, ctx.settings.authMaxSkewMs, ref);
  let device: DeviceRecord;
  try {
    device = await verifiedDevice(ctx, request);
  } catch (error) {
    if (error instanceof RelayError && error.code !== RelayCode.internal)
      await recordAuthFailure(ctx, keys, nowMs);
    throw error;
  }
  checkState(device, ref);
  const { sessionLifetimeMs, sessionMaxMessages } = ctx.settings;
  const stats = await ctx.store.queueStats(device.id);
  return {
    device,
    sessionId: ctx.randomBytes(32),
    expiresAtMs: nowMs + Math.round(sessionLifetimeMs * (0.9 + 0.2 * ctx.random())),
    messageLimit: sessionMaxMessages,
    queued: stats.frames,
  };
}

/** Steps 3–5: the id is the key's hash, the signature verifies, the device is known with this key. */
async function verifiedDevice(ctx: RelayContext, request: AuthenticateRequest): Promise<DeviceRecord> {
  const ref = request.messageId;
  const failed = (message: string, reason: string) =>
    new RelayError(RelayCode.authenticationFailed, message, { reason, ref });
  if (!sameId(deviceIdOf(request.publicKey), request.deviceId)) {
    throw failed("device_id is not BLAKE3(device_public_key)", "device_id");
  }
  if (!request.verifySignature()) throw failed("the authentication signature does not verify", "signature");
  const device = await ctx.store.getDevice(request.deviceId).catch((error: unknown) => {
    throw storageFailure(error, ref);
  });
  if (device === undefined) {
    throw new RelayError(RelayCode.deviceNotRegistered, "this device is not registered on this server", {
      reason: "unknown_device",
      ref,
    });
  }
  if (!sameId(device.publicKey, request.publicKey))
    throw failed("the device's stored key differs", "key_mismatch");
  return device;
}

/** Step 6: only active devices authenticate. */
function checkState(device: DeviceRecord, ref: Id): void {
  if (device.state === "revoked") {
    throw new RelayError(RelayCode.deviceRevoked, "this device is revoked", { reason: "revoked", ref });
  }
  if (device.state === "registered") {
    throw new RelayError(RelayCode.operationNotPermitted, "this device awaits the operator's approval", {
      reason: "pending",
      ref,
    });
  }
  if (device.state === "suspended") {
    throw new RelayError(RelayCode.operationNotPermitted, "this device is suspended", {
      reason: "suspended",
      ref,
    });
  }
}
