import { describe, expect, test } from "bun:test";
import { ByteWriter, toHex } from "../../../src/protocol/bytes.ts";
import {
  decodeHeader,
  FLAG_URGENT,
  FrameType,
  MAX_FRAME,
  MAX_PAYLOAD,
} from "../../../src/protocol/header.ts";
import { deviceIdOf } from "../../../src/protocol/messages.ts";
import { buildSend, checkSendSignature, decodeSend } from "../../../src/protocol/send.ts";
import { buildSignedFrame } from "../../../src/protocol/signed-frame.ts";
import { codeOf, keyA, stampAt } from "./codec-helpers.ts";
import { V } from "./vectors.ts";

const idA = deviceIdOf(V.deviceAPublic);
const idB = deviceIdOf(V.deviceBPublic);

/** A signed 0x10 with any sender_id and payload, and `extra` bytes after the payload. */
function rawSend(senderId: Uint8Array, payloadLength: number, extra = new Uint8Array(0)): Uint8Array {
  const fields = new ByteWriter()
    .raw(senderId)
    .raw(idB)
    .raw(new Uint8Array(32).fill(5))
    .u64(9)
    .raw(new Uint8Array(32))
    .bytes(new Uint8Array(payloadLength).fill(1))
    .raw(extra)
    .finish();
  return buildSignedFrame(FrameType.send, stampAt(0x10), fields, keyA);
}

describe("0x10 Send codec", () => {
  test("build → decode round trip; sender_id is BLAKE3 of the signing key; URGENT is kept", () => {
    const payload = new Uint8Array(100).fill(3);
    const frame = buildSend(
      { ...stampAt(0x10), flags: FLAG_URGENT },
      {
        recipientId: idB,
        conversation: new Uint8Array(32).fill(5),
        sequence: 2n ** 40n,
        prevMessageHash: new Uint8Array(32).fill(6),
        encryptedPayload: payload,
      },
      keyA,
    );
    expect(decodeHeader(frame).flags).toBe(FLAG_URGENT);
    const body = decodeSend(frame, { sessionDeviceId: idA });
    expect(toHex(body.senderId)).toBe(toHex(idA));
    expect(toHex(body.recipientId)).toBe(toHex(idB));
    expect(body.sequence).toBe(2n ** 40n);
    expect(body.prevMessageHash).toEqual(new Uint8Array(32).fill(6));
    expect(body.encryptedPayload).toEqual(payload);
    expect(codeOf(() => checkSendSignature(body, V.deviceAPublic))).toBe("none");
    expect(codeOf(() => checkSendSignature(body, V.deviceBPublic))).toBe(200);
  });

  test("encrypted_payload of 51 bytes is 101, 52 bytes decodes", () => {
    expect(codeOf(() => decodeSend(rawSend(idA, 51)))).toBe(101);
    expect(decodeSend(rawSend(idA, 52)).encryptedPayload.length).toBe(52);
  });

  test("a payload length that overruns the body, or a missing signature, is 101", () => {
    const frame = rawSend(idA, 60);
    expect(codeOf(() => decodeSend(frame.subarray(0, frame.length - 10)))).toBe(101);
    expect(codeOf(() => decodeSend(frame.subarray(0, 48 + 100)))).toBe(101);
  });

  test("§8.1 order: spoofed sender_id is 303 before an oversized payload's 402", () => {
    const oversized = rawSend(idB, MAX_PAYLOAD + 1);
    expect(oversized.length).toBeLessThanOrEqual(MAX_FRAME);
    expect(codeOf(() => decodeSend(oversized, { sessionDeviceId: idA }))).toBe(303);
    expect(codeOf(() => decodeSend(oversized))).toBe(402);
    expect(codeOf(() => decodeSend(rawSend(idA, MAX_PAYLOAD + 1), { sessionDeviceId: idA }))).toBe(402);
    expect(codeOf(() => decodeSend(rawSend(idB, 60), { sessionDeviceId: idA }))).toBe(303);
    expect(decodeSend(rawSend(idA, MAX_PAYLOAD), { sessionDeviceId: idA }).encryptedPayload.length).toBe(
      MAX_PAYLOAD,
    );
  });

  test("extension bytes after the payload are ignored and signed", () => {
    const frame = rawSend(idA, 60, Uint8Array.of(7, 7, 7));
    const body = decodeSend(frame);
    expect(body.encryptedPayload.length).toBe(60);
    expect(codeOf(() => checkSendSignature(body, V.deviceAPublic))).toBe("none");
    expect(body.signed.length).toBe(frame.length - 64);
  });

  test("ids of the wrong size cannot be built", () => {
    const request = {
      recipientId: idB.subarray(0, 31),
      conversation: new Uint8Array(32),
      sequence: 1n,
      prevMessageHash: new Uint8Array(32),
      encryptedPayload: new Uint8Array(60),
    };
    expect(() => buildSend(stampAt(0x10), request, keyA)).toThrow(RangeError);
  });
});
