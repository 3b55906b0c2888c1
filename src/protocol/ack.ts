import type { KeyObject } from "node:crypto";
import { ByteWriter } from "./bytes.ts";
import { FrameType } from "./header.ts";
import { rawPublicKey } from "./keys.ts";
import { deviceIdOf, type SignedParts, splitSigned } from "./messages.ts";
import { ErrorCode, formatError, ProtocolError } from "./protocol-error.ts";
import { buildSignedFrame, checkSessionDevice, checkSignature, type FrameStamp } from "./signed-frame.ts";

/** 0x11 status values (§6.6). */
export const AckStatus = { accepted: 0, delivered: 1, read: 2, failed: 3, pending: 4 } as const;

/** acker_id of a server-signed ack (signed with IKs). */
export const SERVER_ACKER = new Uint8Array(32);

/** 0x11 Ack (§6, §6.6). */
export interface AckBody {
  refMessageId: Uint8Array;
  status: number;
  eventTimeMs: bigint;
  /** The acking device, or 32 zero bytes for the server. */
  ackerId: Uint8Array;
  /** The device the ack concerns (see buildServerAck for each server form). */
  targetId: Uint8Array;
  signature: Uint8Array;
  signed: Uint8Array;
}

const isZero = (bytes: Uint8Array) => bytes.every((b) => b === 0);

function parseAck(inner: Uint8Array): AckBody {
  const { fields, signature, signed }: SignedParts = splitSigned(inner);
  const refMessageId = fields.raw(32, "ref_message_id");
  const status = fields.u8("status");
  if (status > AckStatus.pending) throw formatError(`ack status ${status} is not defined`);
  return {
    refMessageId,
    status,
    eventTimeMs: fields.u64("event_time"),
    ackerId: fields.raw(32, "acker_id"),
    targetId: fields.raw(32, "target_id"),
    signature,
    signed,
  };
}

/**
 * Parses a client's 0x11 on the server in the order of §6.6: status 1–3 (101), then acker_id =
 * the session device (303). Freshness (103) and the signature (200) follow in the pipeline.
 */
export function decodeClientAck(inner: Uint8Array, sessionDeviceId: Uint8Array): AckBody {
  const ack = parseAck(inner);
  if (ack.status < AckStatus.delivered || ack.status > AckStatus.failed) {
    throw formatError(`a client ack has status ${ack.status} (1–3 allowed)`);
  }
  checkSessionDevice(ack.ackerId, sessionDeviceId, "acker_id");
  return ack;
}

/**
 * Parses a 0x11 a client receives: a server form (acker_id zero, status 0, 3 or 4) or a
 * recipient's ack relayed unchanged (status 1–3). Any other pairing is 101.
 */
export function decodeAck(inner: Uint8Array): AckBody {
  const ack = parseAck(inner);
  const fromServer = isZero(ack.ackerId);
  const allowed = fromServer ? [0, 3, 4] : [1, 2, 3];
  if (!allowed.includes(ack.status)) {
    throw formatError(`status ${ack.status} cannot come from ${fromServer ? "the server" : "a device"}`);
  }
  return ack;
}

/** True when the ack is one of the server's own (acker_id zero, signed with IKs). */
export function isServerAck(ack: AckBody): boolean {
  return isZero(ack.ackerId);
}

/** Fields of an ack; acker_id comes from the signing key (or is zero for the server). */
export interface AckFields {
  refMessageId: Uint8Array;
  status: number;
  eventTimeMs: bigint;
  targetId: Uint8Array;
}

function encodeAck(ackerId: Uint8Array, ack: AckFields): Uint8Array {
  if (ack.refMessageId.length !== 32 || ack.targetId.length !== 32) {
    throw new RangeError("ref_message_id and target_id must be 32 bytes");
  }
  return new ByteWriter()
    .raw(ack.refMessageId)
    .u8(ack.status)
    .u64(ack.eventTimeMs)
    .raw(ackerId)
    .raw(ack.targetId)
    .finish();
}

/** A recipient's 0x11 (status 1–3), target_id = the message's sender, signed by the acker's key. */
export function buildClientAck(stamp: FrameStamp, ack: AckFields, ackerKey: KeyObject): Uint8Array {
  const ackerId = deviceIdOf(rawPublicKey(ackerKey));
  const frame = buildSignedFrame(FrameType.ack, stamp, encodeAck(ackerId, ack), ackerKey);
  decodeClientAck(frame, ackerId);
  return frame;
}

/**
 * A server 0x11 (acker_id zero, signed with IKs). Forms: 0x10 accepted (status 0, ref = its
 * message_id, target = sender); 0x02 (status 0 or 4, ref = the 0x02, target = device_id); 0x05
 * done (status 0, ref = the 0x05, target = revoked device); expiry or revocation (status 3,
 * ref = the 0x10's message_id, target = its sender).
 */
export function buildServerAck(stamp: FrameStamp, ack: AckFields, iks: KeyObject): Uint8Array {
  const frame = buildSignedFrame(FrameType.ack, stamp, encodeAck(SERVER_ACKER, ack), iks);
  decodeAck(frame);
  return frame;
}

/**
 * 200 unless a server ack is signed by IKs, or a device ack by the key whose BLAKE3 is its
 * acker_id (§6.6); a device ack checked without that key is 200 as well.
 */
export function checkAckSignature(ack: AckBody, keys: { iks: Uint8Array; acker?: Uint8Array }): void {
  if (isServerAck(ack)) {
    checkSignature(keys.iks, ack, "server ack");
    return;
  }
  const acker = keys.acker;
  if (acker === undefined || !deviceIdOf(acker).every((b, i) => b === ack.ackerId[i])) {
    throw new ProtocolError(
      ErrorCode.authenticationFailed,
      "the ack is not signed by its acker",
      "signature",
    );
  }
  checkSignature(acker, ack, "ack");
}
