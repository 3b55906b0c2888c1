import type { Id } from "../store/records.ts";

/** A frame the server made, with its own message_id (the queue entry is keyed by it). */
export interface MadeFrame {
  messageId: Id;
  frame: Uint8Array;
}

/**
 * The frames the relay needs the server to sign (the relay does not encode frames). Implemented by
 * the session layer with the protocol codecs and IKs; each call makes a fresh message_id.
 */
export interface RelayFrames {
  /**
   * The inner frame of a 0x11 status 3 FAILED by the server (§8.3 expiry, §8.4 revocation):
   * ref_message_id = the failed message, acker_id = 0, target_id = its sender, signed with IKs.
   */
  failureReceipt(args: { refMessageId: Id; targetId: Id; nowMs: number }): MadeFrame;
  /** The §6.6 offline notice: a 0x20 for `deviceId` with status 0, empty message, last_active = now, signed with IKs. */
  offlineNotice(args: { deviceId: Id; nowMs: number }): MadeFrame;
}
