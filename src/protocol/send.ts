import type { KeyObject } from "node:crypto";
import { ByteWriter } from "./bytes.ts";
import { PAYLOAD_OVERHEAD } from "./e2e-content.ts";
import { FrameType, MAX_PAYLOAD } from "./header.ts";
import { rawPublicKey } from "./keys.ts";
import { deviceIdOf, splitSigned } from "./messages.ts";
import { ErrorCode, formatError, ProtocolError } from "./protocol-error.ts";
import { buildSignedFrame, checkSessionDevice, checkSignature, type FrameStamp } from "./signed-frame.ts";

/** 0x10 Send (§6, §6.5). */
export interface SendBody {
  senderId: Uint8Array;
  recipientId: Uint8Array;
  /** Chosen by the client. */
  conversation: Uint8Array;
  sequence: bigint;
  /** BLAKE3 of the previous encrypted_payload of the chain; 32 zero bytes in its first frame. */
  prevMessageHash: Uint8Array;
  encryptedPayload: Uint8Array;
  signature: Uint8Array;
  /** inner[0 .. length−64): what the sender signs (the whole frame, ciphertext included). */
  signed: Uint8Array;
}

/**
 * Parses a 0x10 inner frame in the order of §8.1: body (101, a payload under 52 bytes included),
 * then, when the session device is given, sender_id (303), then |encrypted_payload| ≤ max_payload (402).
 */
export function decodeSend(inner: Uint8Array, options: { sessionDeviceId?: Uint8Array } = {}): SendBody {
  const { fields, signature, signed } = splitSigned(inner);
  const body: SendBody = {
    senderId: fields.raw(32, "sender_id"),
    recipientId: fields.raw(32, "recipient_id"),
    conversation: fields.raw(32, "conversation"),
    sequence: fields.u64("sequence"),
    prevMessageHash: fields.raw(32, "prev_message_hash"),
    encryptedPayload: fields.bytes(fields.remaining, "encrypted_payload"),
    signature,
    signed,
  };
  if (body.encryptedPayload.length < PAYLOAD_OVERHEAD) {
    throw formatError(
      `encrypted_payload is ${body.encryptedPayload.length} bytes (minimum ${PAYLOAD_OVERHEAD})`,
    );
  }
  if (options.sessionDeviceId !== undefined)
    checkSessionDevice(body.senderId, options.sessionDeviceId, "sender_id");
  if (body.encryptedPayload.length > MAX_PAYLOAD) {
    throw new ProtocolError(
      ErrorCode.messageTooLarge,
      `encrypted_payload is ${body.encryptedPayload.length} bytes (max_payload ${MAX_PAYLOAD})`,
      "payload_too_large",
    );
  }
  return body;
}

/** The fields a sender chooses; sender_id is derived from its key. */
export interface SendRequest {
  recipientId: Uint8Array;
  conversation: Uint8Array;
  sequence: bigint;
  prevMessageHash: Uint8Array;
  encryptedPayload: Uint8Array;
}

/** A 0x10 inner frame signed by the sender over the whole frame (§6.1); checked by decodeSend. */
export function buildSend(stamp: FrameStamp, request: SendRequest, senderKey: KeyObject): Uint8Array {
  const fields = new ByteWriter()
    .raw(deviceIdOf(rawPublicKey(senderKey)))
    .raw(request.recipientId)
    .raw(request.conversation)
    .u64(request.sequence)
    .raw(request.prevMessageHash)
    .bytes(request.encryptedPayload)
    .finish();
  if (fields.length !== 140 + request.encryptedPayload.length) {
    throw new RangeError("recipient_id, conversation and prev_message_hash must be 32 bytes each");
  }
  const frame = buildSignedFrame(FrameType.send, stamp, fields, senderKey);
  decodeSend(frame);
  return frame;
}

/** §8.1 step 8 (and §8.5 at the recipient): 200 unless the sender's key signed the frame. */
export function checkSendSignature(body: SendBody, senderPublicKey: Uint8Array): void {
  checkSignature(senderPublicKey, body, "send");
}
