import type { KeyObject } from "node:crypto";
import { ByteWriter } from "./bytes.ts";
import { FrameType } from "./header.ts";
import { splitSigned } from "./messages.ts";
import { formatError } from "./protocol-error.ts";
import { buildSignedFrame, type FrameStamp } from "./signed-frame.ts";

/** 0x05 reason codes (§6). */
export const RevokeReason = {
  unspecified: 0,
  compromise: 1,
  lost: 2,
  retired: 3,
  replaced: 4,
} as const;

/** 0x05 Revoke (§6.4): the session device revokes itself or another device of its user. */
export interface RevokeBody {
  deviceId: Uint8Array;
  reason: number;
  /** Informational only. */
  effectiveAtMs: bigint;
  signature: Uint8Array;
  /** inner[0 .. length−64): what the session device signs. */
  signed: Uint8Array;
}

/** Parses a 0x05 inner frame (101 on any violation, a reason above 4 included). */
export function decodeRevoke(inner: Uint8Array): RevokeBody {
  const { fields, signature, signed } = splitSigned(inner);
  const deviceId = fields.raw(32, "device_id");
  const reason = fields.u8("reason");
  if (reason > RevokeReason.replaced) throw formatError(`revoke reason ${reason} is not defined`);
  return { deviceId, reason, effectiveAtMs: fields.u64("effective_at"), signature, signed };
}

/** A 0x05 inner frame signed by the session device's key. */
export function buildRevoke(
  stamp: FrameStamp,
  body: { deviceId: Uint8Array; reason: number; effectiveAtMs: bigint },
  sessionKey: KeyObject,
): Uint8Array {
  if (body.deviceId.length !== 32) throw new RangeError("device_id must be 32 bytes");
  const fields = new ByteWriter().raw(body.deviceId).u8(body.reason).u64(body.effectiveAtMs).finish();
  const frame = buildSignedFrame(FrameType.revoke, stamp, fields, sessionKey);
  decodeRevoke(frame);
  return frame;
}
