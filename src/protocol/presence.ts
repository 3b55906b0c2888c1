import type { KeyObject } from "node:crypto";
import { ByteWriter } from "./bytes.ts";
import { decodeHeader, FrameType } from "./header.ts";
import { rawPublicKey } from "./keys.ts";
import { deviceIdOf, splitSigned } from "./messages.ts";
import { ErrorCode, formatError, ProtocolError } from "./protocol-error.ts";
import { buildSignedFrame, checkSessionDevice, checkSignature, type FrameStamp } from "./signed-frame.ts";
import { verifyStrict } from "./strict-ed25519.ts";
import { readString } from "./strings.ts";

/** 0x20 status values (§6). */
export const PresenceStatus = { offline: 0, online: 1, away: 2, busy: 3 } as const;

/** 0x20 Presence (§6, §6.6), with the header timestamp that orders updates. */
export interface PresenceBody {
  deviceId: Uint8Array;
  status: number;
  /** At most 256 bytes. */
  message: string;
  lastActiveMs: bigint;
  timestampMs: bigint;
  signature: Uint8Array;
  signed: Uint8Array;
}

/**
 * Parses a 0x20 inner frame: body (101: status above 3, message over 256 bytes), then, when the
 * session device is given, device_id = it (303), as in §6.6's server order.
 */
export function decodePresence(
  inner: Uint8Array,
  options: { sessionDeviceId?: Uint8Array } = {},
): PresenceBody {
  const { fields, signature, signed } = splitSigned(inner);
  const deviceId = fields.raw(32, "device_id");
  const status = fields.u8("status");
  if (status > PresenceStatus.busy) throw formatError(`presence status ${status} is not defined`);
  const message = readString(fields, 256, "presence message");
  const lastActiveMs = fields.u64("last_active");
  if (options.sessionDeviceId !== undefined)
    checkSessionDevice(deviceId, options.sessionDeviceId, "device_id");
  const { timestampMs } = decodeHeader(inner);
  return { deviceId, status, message, lastActiveMs, timestampMs, signature, signed };
}

function encodePresence(
  deviceId: Uint8Array,
  status: number,
  message: string,
  lastActiveMs: bigint,
): Uint8Array {
  return new ByteWriter().raw(deviceId).u8(status).string(message).u64(lastActiveMs).finish();
}

/** A device's own 0x20, signed with its key. */
export function buildPresence(
  stamp: FrameStamp,
  presence: { status: number; message: string; lastActiveMs: bigint },
  deviceKey: KeyObject,
): Uint8Array {
  const deviceId = deviceIdOf(rawPublicKey(deviceKey));
  const fields = encodePresence(deviceId, presence.status, presence.message, presence.lastActiveMs);
  const frame = buildSignedFrame(FrameType.presence, stamp, fields, deviceKey);
  decodePresence(frame);
  return frame;
}

/** The offline notice of §6.6: status 0, empty message, last_active = timestamp = now, signed with IKs. */
export function buildOfflineNotice(
  stamp: Omit<FrameStamp, "timestampMs">,
  deviceId: Uint8Array,
  nowMs: number,
  iks: KeyObject,
): Uint8Array {
  if (deviceId.length !== 32) throw new RangeError("device_id must be 32 bytes");
  const now = BigInt(nowMs);
  const fields = encodePresence(deviceId, PresenceStatus.offline, "", now);
  return buildSignedFrame(FrameType.presence, { ...stamp, timestampMs: now }, fields, iks);
}

/**
 * A client's acceptance rule (§6.6), 200 on failure: status 0 may be signed by the device or by
 * IKs; every other status only by the device whose BLAKE3 is device_id.
 */
export function checkPresenceSignature(
  presence: PresenceBody,
  keys: { device: Uint8Array; iks: Uint8Array },
): void {
  if (!deviceIdOf(keys.device).every((b, i) => b === presence.deviceId[i])) {
    throw new ProtocolError(ErrorCode.authenticationFailed, "the key given is not device_id's", "signature");
  }
  const byIks =
    presence.status === PresenceStatus.offline && verifyStrict(keys.iks, presence.signed, presence.signature);
  if (!byIks) checkSignature(keys.device, presence, "presence");
}

/** True when `incoming` should replace `held`: updates older than the one held are dropped (§6.6). */
export function isNewerPresence(held: PresenceBody | undefined, incoming: PresenceBody): boolean {
  return held === undefined || incoming.timestampMs >= held.timestampMs;
}
