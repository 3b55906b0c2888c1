import type { KeyObject } from "node:crypto";
import { randomBytes } from "./bytes.ts";
import { buildFrame, HEADER_SIZE } from "./header.ts";
import { signEd25519 } from "./keys.ts";
import { ErrorCode, ProtocolError } from "./protocol-error.ts";

export { checkFreshness } from "./freshness.ts";

import { verifyStrict } from "./strict-ed25519.ts";

/** The header fields a sender chooses; version 1, flags 0, now and a fresh message_id by default. */
export interface FrameStamp {
  version?: number;
  flags?: number;
  timestampMs?: bigint;
  messageId?: Uint8Array;
}

/** The complete header of a frame about to be built from a stamp. */
export function stampHeader(type: number, stamp: FrameStamp) {
  return {
    version: stamp.version ?? 1,
    type,
    flags: stamp.flags ?? 0,
    timestampMs: stamp.timestampMs ?? BigInt(Date.now()),
    messageId: stamp.messageId ?? randomBytes(32),
  };
}

/** An unsigned inner frame of `type` with `fields` as its body. */
export function buildUnsignedFrame(type: number, stamp: FrameStamp, fields: Uint8Array): Uint8Array {
  return buildFrame(stampHeader(type, stamp), fields);
}

/** A signed inner frame (§6.1): header ‖ fields ‖ Ed25519(key, inner[0 .. length−64)). */
export function buildSignedFrame(
  type: number,
  stamp: FrameStamp,
  fields: Uint8Array,
  key: KeyObject,
): Uint8Array {
  const frame = buildFrame(stampHeader(type, stamp), new Uint8Array(fields.length + 64));
  frame.set(fields, HEADER_SIZE);
  frame.set(signEd25519(key, frame.subarray(0, frame.length - 64)), frame.length - 64);
  return frame;
}

/** 200 unless `signature` is a strict Ed25519 signature of `signed` by `publicKey` (§6.1). */
export function checkSignature(
  publicKey: Uint8Array,
  parts: { signed: Uint8Array; signature: Uint8Array },
  what: string,
): void {
  if (!verifyStrict(publicKey, parts.signed, parts.signature)) {
    throw new ProtocolError(
      ErrorCode.authenticationFailed,
      `the ${what} signature does not verify`,
      "signature",
    );
  }
}

/** 303 unless a frame's claimed device (`claimed`) is the session device (spoofed IDs, §9). */
export function checkSessionDevice(claimed: Uint8Array, sessionDeviceId: Uint8Array, field: string): void {
  if (claimed.length !== sessionDeviceId.length || !claimed.every((b, i) => b === sessionDeviceId[i])) {
    throw new ProtocolError(
      ErrorCode.operationNotPermitted,
      `${field} is not the device of this session`,
      "spoofed_id",
    );
  }
}
