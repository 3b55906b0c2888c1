import type { KeyObject } from "node:crypto";
import { AckStatus, buildClientAck } from "../protocol/ack.ts";
import { bytesEqual, randomBytes } from "../protocol/bytes.ts";
import { type DirectoryEntry, encryptableEntries } from "../protocol/directory.ts";
import { type MessageContent, PayloadRejected } from "../protocol/e2e-content.ts";
import { openPayload, type RecipientKeys, recipientKeys, sealPayload } from "../protocol/e2e-payload.ts";
import { decodeHeader } from "../protocol/header.ts";
import { ed25519PrivateKey, rawPublicKey } from "../protocol/keys.ts";
import { deviceIdOf } from "../protocol/messages.ts";
import { ProtocolError } from "../protocol/protocol-error.ts";
import { buildSend, checkSendSignature, decodeSend } from "../protocol/send.ts";
import type { ChainTracker, ChainVerdict, SendChain } from "../protocol/send-chain.ts";
import type { FrameStamp } from "../protocol/signed-frame.ts";
import type { Suite } from "../protocol/suite.ts";

/** A device's keys for messaging: Ed25519 for signing, X25519 (from the same seed) for payloads. */
export interface DeviceKeys {
  signing: KeyObject;
  publicKey: Uint8Array;
  deviceId: Uint8Array;
  e2e: RecipientKeys;
}

/** The keys of the device whose Ed25519 seed is `seed`. */
export function deviceKeys(seed: Uint8Array): DeviceKeys {
  const signing = ed25519PrivateKey(seed);
  const publicKey = rawPublicKey(signing);
  return { signing, publicKey, deviceId: deviceIdOf(publicKey), e2e: recipientKeys(seed) };
}

/** A composed 0x10: the inner frame to seal, and its message_id (kept for resends and acks). */
export interface ComposedMessage {
  inner: Uint8Array;
  messageId: Uint8Array;
}

/**
 * Seals `content` to one recipient device and builds its signed 0x10 on `chain` (§6.5, §6.5.1),
 * then advances the chain. The recipient must be a genuine entry in state 2 (§6.7).
 */
export function composeMessage(
  sender: DeviceKeys,
  recipient: DirectoryEntry,
  message: { conversation: Uint8Array; content: MessageContent; chain: SendChain; pad: Suite["pad"] },
  stamp: FrameStamp = {},
): ComposedMessage {
  if (encryptableEntries([recipient]).length !== 1) {
    throw new RangeError("the recipient is not an active device whose id matches its key");
  }
  const messageId = stamp.messageId ?? randomBytes(32);
  const link = message.chain.next();
  const binding = {
    senderId: sender.deviceId,
    recipientId: recipient.deviceId,
    conversation: message.conversation,
    sequence: link.sequence,
    messageId,
  };
  const encryptedPayload = sealPayload(message.content, recipient.publicKey, binding, { pad: message.pad });
  const inner = buildSend(
    { ...stamp, messageId },
    { recipientId: recipient.deviceId, conversation: message.conversation, ...link, encryptedPayload },
    sender.signing,
  );
  message.chain.advance(encryptedPayload);
  return { inner, messageId };
}

/** Where a recipient keeps its chains (§8.5): `ChainTracker` in memory, or a caller's persistent one. */
export type ChainObserver = Pick<ChainTracker, "observe">;

/**
 * The same 0x10 for a resend (§8.3): same message_id, chain fields and payload, with a new
 * timestamp and signature.
 */
export function restampMessage(inner: Uint8Array, sender: DeviceKeys, timestampMs: bigint): Uint8Array {
  const body = decodeSend(inner);
  const messageId = decodeHeader(inner).messageId;
  const flags = inner[3] as number;
  return buildSend({ messageId, timestampMs, flags }, body, sender.signing);
}

/** What a recipient makes of a delivered 0x10 (§8.5), with the ack it MUST send. */
export interface ReceivedMessage {
  /** Present when the message is to be shown (verdict accept or gap). */
  content?: MessageContent;
  verdict: ChainVerdict | "rejected";
  /** Why it was rejected (signature, addressing, key, decrypt, padding, content). */
  reason?: string;
  ack: Uint8Array;
}

/**
 * §8.5 for one delivered 0x10: verify with the sender's key (from 0x31), decrypt, apply the chain
 * rules; acks status 1 when shown, 3 when discarded. Recipient dedupe by message_id is the caller's.
 */
export function receiveMessage(
  inner: Uint8Array,
  me: DeviceKeys,
  senderPublicKey: Uint8Array,
  chains: ChainObserver,
  stamp: FrameStamp = {},
): ReceivedMessage {
  const messageId = decodeHeader(inner).messageId;
  const body = decodeSend(inner);
  const ack = (status: number) =>
    buildClientAck(
      stamp,
      {
        refMessageId: messageId,
        status,
        eventTimeMs: stamp.timestampMs ?? BigInt(Date.now()),
        targetId: body.senderId,
      },
      me.signing,
    );
  const reject = (reason: string): ReceivedMessage => ({
    verdict: "rejected",
    reason,
    ack: ack(AckStatus.failed),
  });
  try {
    checkSendSignature(body, senderPublicKey);
  } catch (error) {
    if (error instanceof ProtocolError) return reject("signature");
    throw error;
  }
  if (!bytesEqual(body.recipientId, me.deviceId) || !bytesEqual(deviceIdOf(senderPublicKey), body.senderId)) {
    return reject("addressing");
  }
  let content: MessageContent;
  try {
    const binding = { ...body, messageId };
    content = openPayload(body.encryptedPayload, me.e2e, binding);
  } catch (error) {
    if (error instanceof PayloadRejected) return reject(error.reason);
    throw error;
  }
  const verdict = chains.observe(body.senderId, body.conversation, body, body.encryptedPayload);
  if (verdict === "broken" || verdict === "stale") return { verdict, ack: ack(AckStatus.failed) };
  return { content, verdict, ack: ack(AckStatus.delivered) };
}
