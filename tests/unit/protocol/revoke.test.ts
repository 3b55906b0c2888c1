import { describe, expect, test } from "bun:test";
import { ByteWriter, toHex } from "../../../src/protocol/bytes.ts";
import { FrameType } from "../../../src/protocol/header.ts";
import { deviceIdOf } from "../../../src/protocol/messages.ts";
import { buildRevoke, decodeRevoke, RevokeReason } from "../../../src/protocol/revoke.ts";
import {
  buildSignedFrame,
  checkFreshness,
  checkSessionDevice,
  checkSignature,
} from "../../../src/protocol/signed-frame.ts";
import { codeOf, flipByte, keyA, stampAt } from "./codec-helpers.ts";
import { V } from "./vectors.ts";

const idA = deviceIdOf(V.deviceAPublic);
const idB = deviceIdOf(V.deviceBPublic);

describe("0x05 Revoke", () => {
  test("build → decode round trip, signed by the session device", () => {
    const frame = buildRevoke(
      stampAt(0x05),
      { deviceId: idB, reason: RevokeReason.lost, effectiveAtMs: V.t0 },
      keyA,
    );
    expect(frame.length).toBe(48 + 32 + 1 + 8 + 64);
    const body = decodeRevoke(frame);
    expect(toHex(body.deviceId)).toBe(toHex(idB));
    expect(body.reason).toBe(2);
    expect(body.effectiveAtMs).toBe(V.t0);
    expect(codeOf(() => checkSignature(V.deviceAPublic, body, "revoke"))).toBe("none");
    expect(codeOf(() => checkSignature(V.deviceBPublic, body, "revoke"))).toBe(200);
    expect(codeOf(() => checkSignature(V.deviceAPublic, decodeRevoke(flipByte(frame, 80)), "revoke"))).toBe(
      200,
    );
  });

  test("reasons 0–4 decode, 5 and 255 are 101; a short body is 101", () => {
    const withReason = (reason: number) =>
      buildSignedFrame(
        FrameType.revoke,
        stampAt(0x05),
        new ByteWriter().raw(idB).u8(reason).u64(0).finish(),
        keyA,
      );
    for (const reason of [0, 1, 2, 3, 4]) expect(decodeRevoke(withReason(reason)).reason).toBe(reason);
    expect(codeOf(() => decodeRevoke(withReason(5)))).toBe(101);
    expect(codeOf(() => decodeRevoke(withReason(255)))).toBe(101);
    expect(codeOf(() => buildRevoke(stampAt(5), { deviceId: idB, reason: 5, effectiveAtMs: 0n }, keyA))).toBe(
      101,
    );
    expect(codeOf(() => decodeRevoke(withReason(0).subarray(0, 48 + 40 + 64)))).toBe(101);
  });
});

describe("shared checks of signed frames (§6.1)", () => {
  test("freshness: exactly 300 s either way passes, one ms more is 103; a custom window applies", () => {
    const now = Number(V.t0);
    expect(codeOf(() => checkFreshness(V.t0 + 300_000n, now))).toBe("none");
    expect(codeOf(() => checkFreshness(V.t0 - 300_000n, now))).toBe("none");
    expect(codeOf(() => checkFreshness(V.t0 + 300_001n, now))).toBe(103);
    expect(codeOf(() => checkFreshness(V.t0 - 300_001n, now))).toBe(103);
    expect(codeOf(() => checkFreshness(V.t0 + 5_001n, now, 5_000))).toBe(103);
  });

  test("a claimed device other than the session's is 303", () => {
    expect(codeOf(() => checkSessionDevice(idA, idA, "sender_id"))).toBe("none");
    expect(codeOf(() => checkSessionDevice(idB, idA, "sender_id"))).toBe(303);
  });
});
