import { ByteReader, ByteWriter } from "./bytes.ts";
import { FrameType, frameBody } from "./header.ts";
import { buildUnsignedFrame, type FrameStamp } from "./signed-frame.ts";

/** 0x04 AuthResponse (§6.3, §7.2): the session's limits and how much is waiting. */
export interface AuthResponseBody {
  /** Random, 32 bytes. */
  sessionId: Uint8Array;
  expiresAtMs: bigint;
  serverTimeMs: bigint;
  messageLimit: number;
  /** Queue entries waiting for the device. */
  queued: number;
}

/** A 0x04 inner frame (unsigned: it travels inside the record keyed by the handshake). */
export function buildAuthResponse(stamp: FrameStamp, body: AuthResponseBody): Uint8Array {
  if (body.sessionId.length !== 32) throw new RangeError("session_id must be 32 bytes");
  const fields = new ByteWriter()
    .raw(body.sessionId)
    .u64(body.expiresAtMs)
    .u64(body.serverTimeMs)
    .u32(body.messageLimit)
    .u32(body.queued)
    .finish();
  return buildUnsignedFrame(FrameType.authResponse, stamp, fields);
}

/** Parses a 0x04 inner frame (101 on any violation; extension bytes ignored). */
export function decodeAuthResponse(inner: Uint8Array): AuthResponseBody {
  const reader = new ByteReader(frameBody(inner));
  return {
    sessionId: reader.raw(32, "session_id"),
    expiresAtMs: reader.u64("expires_at"),
    serverTimeMs: reader.u64("server_time"),
    messageLimit: reader.u32("message_limit"),
    queued: reader.u32("queued"),
  };
}
