import { AckStatus, buildServerAck } from "../protocol/ack.ts";
import { randomBytes } from "../protocol/bytes.ts";
import { buildOfflineNotice } from "../protocol/presence.ts";
import type { ServerIdentity } from "../protocol/server-handshake.ts";
import type { RelayFrames } from "../relay/relay-frames.ts";

/** The frames the relay has the server sign, built with the protocol codecs and IKs. */
export function relayFrames(identity: ServerIdentity): RelayFrames {
  return {
    failureReceipt({ refMessageId, targetId, nowMs }) {
      const messageId = randomBytes(32);
      const frame = buildServerAck(
        { timestampMs: BigInt(nowMs), messageId },
        { refMessageId, status: AckStatus.failed, eventTimeMs: BigInt(nowMs), targetId },
        identity.privateKey,
      );
      return { messageId, frame };
    },
    offlineNotice({ deviceId, nowMs }) {
      const messageId = randomBytes(32);
      return { messageId, frame: buildOfflineNotice({ messageId }, deviceId, nowMs, identity.privateKey) };
    },
  };
}
