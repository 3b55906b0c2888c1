import { formatError } from "./protocol-error.ts";

/** Size of every frame header (§2). */
export const HEADER_SIZE = 48;
/** Largest frame in any state (4 MiB + 4 KiB). */
export const MAX_FRAME = 4_198_400;
/** Largest frame the server receives before AUTHENTICATED, and the largest ServerHello. */
export const PREAUTH_MAX_FRAME = 16_384;
/** Largest 0x10 encrypted_payload. */
export const MAX_PAYLOAD = 4_194_304;
/** The AEAD tag added by the record layer. */
export const TAG_SIZE = 16;
/** Flags bit 0: the frame is a record. */
export const FLAG_ENCRYPTED = 0x01;
/** Flags bit 1: urgency hint. */
export const FLAG_URGENT = 0x02;
/** The protocol layer of NORC-C. */
export const LAYER_C = 1;

/** Frame types used by NCP-1 (§6). */
export const FrameType = {
  clientHello: 0x00,
  serverHello: 0x01,
  register: 0x02,
  authRequest: 0x03,
  authResponse: 0x04,
  revoke: 0x05,
  send: 0x10,
  ack: 0x11,
  presence: 0x20,
  keyRequest: 0x30,
  keyResponse: 0x31,
  timeSync: 0x33,
  error: 0xff,
} as const;

/** The 48-byte frame header. */
export interface FrameHeader {
  version: number;
  layer: number;
  type: number;
  flags: number;
  length: number;
  timestampMs: bigint;
  messageId: Uint8Array;
}

/** Writes `header` into the first 48 bytes of `out`. */
export function writeHeader(out: Uint8Array, header: FrameHeader): void {
  if (header.messageId.length !== 32) throw new Error("message_id must be 32 bytes");
  const view = new DataView(out.buffer, out.byteOffset, HEADER_SIZE);
  view.setUint8(0, header.version);
  view.setUint8(1, header.layer);
  view.setUint8(2, header.type);
  view.setUint8(3, header.flags);
  view.setUint32(4, header.length);
  view.setBigUint64(8, header.timestampMs);
  out.set(header.messageId, 16);
}

/** The 48 header bytes of `header`. */
export function encodeHeader(header: FrameHeader): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE);
  writeHeader(out, header);
  return out;
}

/** Parses the header of a frame (at least 48 bytes); the fields are not judged here. */
export function decodeHeader(frame: Uint8Array): FrameHeader {
  if (frame.length < HEADER_SIZE)
    throw formatError(`frame of ${frame.length} bytes is shorter than a header`);
  const view = new DataView(frame.buffer, frame.byteOffset, HEADER_SIZE);
  return {
    version: view.getUint8(0),
    layer: view.getUint8(1),
    type: view.getUint8(2),
    flags: view.getUint8(3),
    length: view.getUint32(4),
    timestampMs: view.getBigUint64(8),
    messageId: frame.slice(16, HEADER_SIZE),
  };
}

/** Builds a plaintext (inner) frame: header with length = 48 + |body|, then the body. */
export function buildFrame(
  fields: Omit<FrameHeader, "length" | "layer"> & { layer?: number },
  body: Uint8Array,
): Uint8Array {
  const frame = new Uint8Array(HEADER_SIZE + body.length);
  writeHeader(frame, { ...fields, layer: fields.layer ?? LAYER_C, length: frame.length });
  frame.set(body, HEADER_SIZE);
  return frame;
}

/** The body of a frame (a view). */
export function frameBody(frame: Uint8Array): Uint8Array {
  return frame.subarray(HEADER_SIZE);
}
