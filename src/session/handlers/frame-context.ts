import type { FrameHeader } from "../../protocol/header.ts";
import type { ServerIdentity } from "../../protocol/server-handshake.ts";
import type { AuthenticateOutcome } from "../../relay/authentication.ts";
import type { Relay } from "../../relay/relay.ts";
import type { TokenBucket } from "../../relay/token-bucket.ts";

/** What a frame handler sees: the frame, the session's facts, the clock, the relay. */
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
  relay: Relay;
  /** The peer's IP address (lockout and rate-limit key). */
  address: string;
  /** The authenticated device and its public key; undefined in KEYED. */
  device?: Uint8Array;
  devicePublicKey?: Uint8Array;
  /** 0x03 succeeded: the session enters AUTHENTICATED right after its 0x04 is sent. */
  enterAuthenticated(outcome: AuthenticateOutcome): void;
  /** 0x05 revoked the session's own device: 202 and close right after the reply. */
  closeRevoked(): void;
}

/** A reply and what must happen right after it is sent (in order with the other replies). */
export interface ReplyThen {
  frame: Uint8Array | null;
  after: () => void;
}

/** An inner reply to seal, or null for none, or a reply with a follow-up. */
export type ReplyValue = Uint8Array | null | ReplyThen;

/**
 * The reply of one frame; may be a promise (a status-0 ack waits for its commit) and the session
 * still sends replies in the order their frames arrived. Throws ProtocolError or RelayError.
 */
export type FrameReply = ReplyValue | Promise<ReplyValue>;

/** Handles one frame type. */
export type FrameHandler = (context: FrameContext) => FrameReply;
