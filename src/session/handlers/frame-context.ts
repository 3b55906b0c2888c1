import type { FrameHeader } from "../../protocol/header.ts";
import type { ServerIdentity } from "../../protocol/server-handshake.ts";
import type { SharedLimits } from "../../relay/limits.ts";
import type { TokenBucket } from "../../relay/token-bucket.ts";

/** What a frame handler sees: the frame, the keyed session's facts, the clock and the limits. */
export interface FrameContext {
  /** The inner (decrypted) frame and its header. */
  inner: Uint8Array;
  header: FrameHeader;
  /** The transcript hash of the handshake. */
  th: Uint8Array;
  nowMs: number;
  identity: ServerIdentity;
  /** This connection's `time_sync` bucket. */
  timeSync: TokenBucket;
  shared: SharedLimits;
  /** The peer's IP address (lockout and rate-limit key). */
  address: string;
}

/**
 * The inner reply to seal, or null for none; may be a promise (an ack waits for its commit) and
 * the session still sends replies in the order their frames arrived. Throws ProtocolError.
 */
export type FrameReply = Uint8Array | null | Promise<Uint8Array | null>;

/** Handles one frame type. */
export type FrameHandler = (context: FrameContext) => FrameReply;
