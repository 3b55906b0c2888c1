import { describe, expect, test } from "bun:test";
import {
  AckStatus,
  buildClientAck,
  buildServerAck,
  checkAckSignature,
  decodeAck,
  decodeClientAck,
  isServerAck,
} from "../../../src/protocol/ack.ts";
import { ByteWriter, toHex } from "../../../src/protocol/bytes.ts";
import { FrameType } from "../../../src/protocol/header.ts";
import { deviceIdOf } from "../../../src/protocol/messages.ts";
import { buildSignedFrame } from "../../../src/protocol/signed-frame.ts";
import { codeOf, flipByte, keyA, keyB, keyIks, stampAt } from "./codec-helpers.ts";
import { V } from "./vectors.ts";

const idA = deviceIdOf(V.deviceAPublic);
const idB = deviceIdOf(V.deviceBPublic);
const ref = new Uint8Array(32).fill(0x44);

/** A 0x11 with any status and acker_id, signed by `key`. */
function rawAck(status: number, ackerId: Uint8Array, key = keyB): Uint8Array {
  const fields = new ByteWriter().raw(ref).u8(status).u64(V.t0).raw(ackerId).raw(idA).finish();
  return buildSignedFrame(FrameType.ack, stampAt(0x11), fields, key);
}

describe("0x11 client ack (recipient → server)", () => {
  test("build → decode on the server; relayed unchanged, the sender checks the acker's key", () => {
    const frame = buildClientAck(
      stampAt(0x11),
      { refMessageId: ref, status: AckStatus.delivered, eventTimeMs: V.t0, targetId: idA },
      keyB,
    );
    expect(frame.length).toBe(48 + 32 + 1 + 8 + 32 + 32 + 64);
    const ack = decodeClientAck(frame, idB);
    expect([toHex(ack.refMessageId), ack.status, ack.eventTimeMs]).toEqual([toHex(ref), 1, V.t0]);
    expect(toHex(ack.ackerId)).toBe(toHex(idB));
    expect(toHex(ack.targetId)).toBe(toHex(idA));
    const relayed = decodeAck(frame);
    expect(isServerAck(relayed)).toBe(false);
    expect(codeOf(() => checkAckSignature(relayed, { iks: V.iksPublic, acker: V.deviceBPublic }))).toBe(
      "none",
    );
    expect(codeOf(() => checkAckSignature(relayed, { iks: V.iksPublic, acker: V.deviceAPublic }))).toBe(200);
    expect(codeOf(() => checkAckSignature(relayed, { iks: V.iksPublic }))).toBe(200);
    expect(
      codeOf(() =>
        checkAckSignature(decodeAck(flipByte(frame, 90)), { iks: V.iksPublic, acker: V.deviceBPublic }),
      ),
    ).toBe(200);
  });

  test("§6.6 order: status 1–3 (101) before acker_id = session device (303)", () => {
    for (const status of [1, 2, 3]) expect(decodeClientAck(rawAck(status, idB), idB).status).toBe(status);
    expect(codeOf(() => decodeClientAck(rawAck(0, idA), idB))).toBe(101);
    expect(codeOf(() => decodeClientAck(rawAck(4, idA), idB))).toBe(101);
    expect(codeOf(() => decodeClientAck(rawAck(9, idB), idB))).toBe(101);
    expect(codeOf(() => decodeClientAck(rawAck(1, idA), idB))).toBe(303);
    expect(codeOf(() => decodeClientAck(rawAck(1, new Uint8Array(32)), idB))).toBe(303);
  });

  test("a short body is 101", () => {
    expect(codeOf(() => decodeClientAck(rawAck(1, idB).subarray(0, 48 + 100), idB))).toBe(101);
  });
});

describe("0x11 server forms (IKs)", () => {
  test.each([
    ["0x10 accepted", AckStatus.accepted],
    ["0x02 pending approval", AckStatus.pending],
    ["expired or recipient revoked", AckStatus.failed],
  ])("%s: acker_id zero, verifies with IKs only", (_name, status) => {
    const frame = buildServerAck(
      stampAt(0x11),
      { refMessageId: ref, status, eventTimeMs: V.t0, targetId: idA },
      keyIks,
    );
    const ack = decodeAck(frame);
    expect(isServerAck(ack)).toBe(true);
    expect(ack.ackerId).toEqual(new Uint8Array(32));
    expect(ack.status).toBe(status);
    expect(codeOf(() => checkAckSignature(ack, { iks: V.iksPublic }))).toBe("none");
    expect(codeOf(() => checkAckSignature(ack, { iks: V.deviceAPublic }))).toBe(200);
  });

  test("status and acker must agree: zero acker with 1 or 2, a device with 0 or 4, are 101", () => {
    const zero = new Uint8Array(32);
    expect(codeOf(() => decodeAck(rawAck(1, zero, keyIks)))).toBe(101);
    expect(codeOf(() => decodeAck(rawAck(2, zero, keyIks)))).toBe(101);
    expect(codeOf(() => decodeAck(rawAck(0, idB)))).toBe(101);
    expect(codeOf(() => decodeAck(rawAck(4, idB)))).toBe(101);
    expect(codeOf(() => decodeAck(rawAck(5, zero, keyIks)))).toBe(101);
    expect(decodeAck(rawAck(3, idB)).status).toBe(3);
    expect(decodeAck(rawAck(3, zero, keyIks)).status).toBe(3);
    const delivered = { refMessageId: ref, status: 1, eventTimeMs: V.t0, targetId: idA };
    expect(codeOf(() => buildServerAck(stampAt(0x11), delivered, keyIks))).toBe(101);
    expect(codeOf(() => buildClientAck(stampAt(0x11), { ...delivered, status: 0 }, keyA))).toBe(101);
  });
});
