import { blake3 } from "@noble/hashes/blake3.js";
import { ByteReader, ByteWriter, concatBytes, utf8 } from "./bytes.ts";
import { buildFrame, FrameType, HEADER_SIZE } from "./header.ts";
import { formatError } from "./protocol-error.ts";
import { readString, readUserId } from "./strings.ts";

/** A signed inner frame split per §6.1: the fields (extension bytes included), the signature, and the signed prefix. */
export interface SignedParts {
  fields: ByteReader;
  signature: Uint8Array;
  signed: Uint8Array;
}

/** Splits a signed inner frame: the signature is always the last 64 bytes. */
export function splitSigned(inner: Uint8Array): SignedParts {
  if (inner.length < HEADER_SIZE + 64) throw formatError("signed body is shorter than its signature");
  const end = inner.length - 64;
  return {
    fields: new ByteReader(inner.subarray(HEADER_SIZE, end)),
    signature: inner.subarray(end),
    signed: inner.subarray(0, end),
  };
}

/** 0x02 Register (§6). */
export interface RegisterBody {
  devicePublicKey: Uint8Array;
  userId: string;
  deviceInfo: string;
  capabilities: number;
  signature: Uint8Array;
  /** inner[0 .. length−64): what the device key signs. */
  signed: Uint8Array;
}

/** Parses a 0x02 inner frame (101 on any violation). */
export function decodeRegister(inner: Uint8Array): RegisterBody {
  const { fields, signature, signed } = splitSigned(inner);
  return {
    devicePublicKey: fields.raw(32, "device_public_key"),
    userId: readUserId(fields),
    deviceInfo: readString(fields, 1024, "device_info"),
    capabilities: fields.u32("capabilities"),
    signature,
    signed,
  };
}

/** 0x03 AuthRequest (§6.3). */
export interface AuthRequestBody {
  deviceId: Uint8Array;
  devicePublicKey: Uint8Array;
  signature: Uint8Array;
}

/** Parses a 0x03 inner frame (101 on any violation). */
export function decodeAuthRequest(inner: Uint8Array): AuthRequestBody {
  const { fields, signature } = splitSigned(inner);
  return {
    deviceId: fields.raw(32, "device_id"),
    devicePublicKey: fields.raw(32, "device_public_key"),
    signature,
  };
}

/** The 82-byte message a device signs in 0x03: "NORC-DEVICE-AUTH:" ‖ device_id ‖ ":" ‖ th. */
export function authSignatureInput(deviceId: Uint8Array, th: Uint8Array): Uint8Array {
  return concatBytes(utf8("NORC-DEVICE-AUTH:"), deviceId, utf8(":"), th);
}

/** DeviceID = BLAKE3(Ed25519 public key). */
export function deviceIdOf(publicKey: Uint8Array): Uint8Array {
  return blake3(publicKey);
}

/** 0x33 TimeSync reply fields (§6.7). */
export interface TimeSyncReply {
  serverTimeUs: bigint;
  uncertaintyUs: number;
  ntpStratum: number;
  signature: Uint8Array;
  signed: Uint8Array;
}

/** A 0x33 reply inner frame signed by `sign` over inner[0 .. length−64). */
export function buildTimeSyncReply(
  header: { version: number; timestampMs: bigint; messageId: Uint8Array },
  reply: { serverTimeUs: bigint; uncertaintyUs: number; ntpStratum: number },
  sign: (message: Uint8Array) => Uint8Array,
): Uint8Array {
  const fields = new ByteWriter()
    .u64(reply.serverTimeUs)
    .u32(reply.uncertaintyUs)
    .u8(reply.ntpStratum)
    .finish();
  const frame = buildFrame(
    { ...header, type: FrameType.timeSync, flags: 0 },
    new Uint8Array(fields.length + 64),
  );
  frame.set(fields, HEADER_SIZE);
  frame.set(sign(frame.subarray(0, frame.length - 64)), frame.length - 64);
  return frame;
}

/** Parses a 0x33 reply inner frame (101 on any violation). */
export function decodeTimeSyncReply(inner: Uint8Array): TimeSyncReply {
  const { fields, signature, signed } = splitSigned(inner);
  return {
    serverTimeUs: fields.u64("server_time"),
    uncertaintyUs: fields.u32("uncertainty"),
    ntpStratum: fields.u8("ntp_stratum"),
    signature,
    signed,
  };
}

/** A 0x03 AuthRequest inner frame for a device (signature made by the caller over authSignatureInput). */
export function buildAuthRequest(
  header: { version: number; timestampMs: bigint; messageId: Uint8Array },
  body: { deviceId: Uint8Array; devicePublicKey: Uint8Array; signature: Uint8Array },
): Uint8Array {
  return buildFrame(
    { ...header, type: FrameType.authRequest, flags: 0 },
    concatBytes(body.deviceId, body.devicePublicKey, body.signature),
  );
}
