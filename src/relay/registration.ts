import type { DeviceRecord, Id } from "../store/records.ts";
import { checkFresh, checkSignature, commitWork, takeToken } from "./checks.ts";
import { deviceIdOf } from "./ids.ts";
import type { RelayContext } from "./relay-context.ts";
import { RelayCode, RelayError } from "./relay-error.ts";

/** A decoded 0x02 Register, as the session hands it over. */
export interface RegisterRequest {
  nowMs: number;
  /** The peer's IP address (the `registrations` limit counts per address and per user_id). */
  address: string;
  /** The frame's message_id and header timestamp. */
  messageId: Id;
  timestampMs: number;
  publicKey: Uint8Array;
  userId: string;
  deviceInfo: string;
  capabilities: number;
  /** Verifies the frame's self-signature (by `publicKey`), strictly. */
  verifySignature: () => boolean;
}

/** The 0x11 the session replies with: status 0 (active) or 4 (pending approval), target_id = deviceId. */
export interface RegisterOutcome {
  status: 0 | 4;
  deviceId: Id;
  device: DeviceRecord;
}

/**
 * 0x02, §6.2 server order after parsing: `registrations` limit (502) → freshness (103) →
 * self-signature (200) → device_id = BLAKE3(key) → the table → durable commit. Resolves after the
 * commit; refusals throw RelayError (every one fatal in KEYED, which the session decides).
 */
export async function register(ctx: RelayContext, request: RegisterRequest): Promise<RegisterOutcome> {
  const { nowMs, messageId: ref } = request;
  const keys = [`address:${request.address}`, `user:${request.userId}`];
  takeToken(ctx.limits.registrations, keys, nowMs, "registrations", ref);
  checkFresh(request.timestampMs, nowMs, ctx.settings.freshnessWindowMs, ref);
  checkSignature(request.verifySignature, ref, "registration");
  const deviceId = deviceIdOf(request.publicKey);
  const stored = await ctx.store.getDevice(deviceId);
  const device = decide(ctx, request, deviceId, stored);
  if (device !== stored) {
    await commitWork(ctx.store, { writes: [{ type: "putDevice", device }] }, ref);
  }
  return { status: device.state === "active" ? 0 : 4, deviceId, device };
}

/** The §6.2 table: the device record to store (or the stored one unchanged), or a refusal. */
function decide(
  ctx: RelayContext,
  request: RegisterRequest,
  deviceId: Id,
  stored: DeviceRecord | undefined,
): DeviceRecord {
  const ref = request.messageId;
  if (stored === undefined) return newDevice(ctx, request, deviceId);
  if (stored.state === "revoked") {
    throw new RelayError(RelayCode.deviceRevoked, "this device is revoked", { reason: "revoked", ref });
  }
  if (stored.state === "suspended") {
    throw new RelayError(RelayCode.operationNotPermitted, "this device is suspended", {
      reason: "suspended",
      ref,
    });
  }
  if (stored.userId !== request.userId) {
    throw new RelayError(RelayCode.operationNotPermitted, "this device is registered to another user", {
      reason: "user_mismatch",
      ref,
    });
  }
  if (stored.state === "registered") return stored;
  const unchanged = stored.info === request.deviceInfo && stored.capabilities === request.capabilities;
  if (unchanged) return stored;
  return {
    ...stored,
    info: request.deviceInfo,
    capabilities: request.capabilities,
    updatedAtMs: request.nowMs,
  };
}

function newDevice(ctx: RelayContext, request: RegisterRequest, deviceId: Id): DeviceRecord {
  const policy = ctx.settings.registrationPolicy;
  if (policy === "closed") {
    throw new RelayError(
      RelayCode.operationNotPermitted,
      "registration is closed on this server: devices are provisioned by the operator",
      { reason: "registration_closed", ref: request.messageId },
    );
  }
  return {
    id: deviceId,
    publicKey: request.publicKey.slice(),
    userId: request.userId,
    state: policy === "open" ? "active" : "registered",
    info: request.deviceInfo,
    capabilities: request.capabilities,
    registeredAtMs: request.nowMs,
    updatedAtMs: request.nowMs,
  };
}
