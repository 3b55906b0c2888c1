import { describe, expect, test } from "bun:test";
import { ByteWriter, toHex } from "../../../src/protocol/bytes.ts";
import { decodeHeader, FrameType } from "../../../src/protocol/header.ts";
import { decodeRegister } from "../../../src/protocol/messages.ts";
import { buildRegister, checkRegisterSignature } from "../../../src/protocol/register.ts";
import { buildSignedFrame } from "../../../src/protocol/signed-frame.ts";
import { codeOf, flipByte, keyA, keyB, stampAt } from "./codec-helpers.ts";
import { V } from "./vectors.ts";

describe("0x02 Register", () => {
  test("build → decode round trip; the self-signature verifies", () => {
    const frame = buildRegister(
      stampAt(0x02),
      { userId: "alice", deviceInfo: "phone", capabilities: 7 },
      keyA,
    );
    const header = decodeHeader(frame);
    expect(header.type).toBe(FrameType.register);
    expect(header.length).toBe(frame.length);
    expect(header.timestampMs).toBe(V.t0);
    const body = decodeRegister(frame);
    expect(toHex(body.devicePublicKey)).toBe(toHex(V.deviceAPublic));
    expect([body.userId, body.deviceInfo, body.capabilities]).toEqual(["alice", "phone", 7]);
    expect(frame.length).toBe(48 + 32 + 4 + 5 + 4 + 5 + 4 + 64);
    expect(codeOf(() => checkRegisterSignature(body))).toBe("none");
  });

  test("any changed byte of the signed part, or another key's signature, is 200", () => {
    const frame = buildRegister(stampAt(0x02), { userId: "alice", deviceInfo: "" }, keyA);
    for (const offset of [0, 8, 20, 48, 86, frame.length - 65]) {
      const body = decodeRegister(flipByte(frame, offset));
      expect(codeOf(() => checkRegisterSignature(body))).toBe(200);
    }
    const fields = frame.subarray(48, frame.length - 64);
    const foreign = buildSignedFrame(FrameType.register, stampAt(0x02), fields, keyB);
    expect(codeOf(() => checkRegisterSignature(decodeRegister(foreign)))).toBe(200);
  });

  test("extension bytes before the signature are ignored by decode and covered by it", () => {
    const fields = new ByteWriter()
      .raw(V.deviceAPublic)
      .string("alice")
      .string("")
      .u32(0)
      .raw(Uint8Array.of(9, 9));
    const frame = buildSignedFrame(FrameType.register, stampAt(0x02), fields.finish(), keyA);
    const body = decodeRegister(frame);
    expect(body.userId).toBe("alice");
    expect(codeOf(() => checkRegisterSignature(body))).toBe("none");
    expect(codeOf(() => checkRegisterSignature(decodeRegister(flipByte(frame, frame.length - 65))))).toBe(
      200,
    );
  });

  test.each([
    ["empty user_id", { userId: "", deviceInfo: "" }],
    ["user_id of 257 bytes", { userId: "u".repeat(257), deviceInfo: "" }],
    ["user_id with U+0007", { userId: "a\u0007b", deviceInfo: "" }],
    ["user_id with U+007F", { userId: "a\u007f", deviceInfo: "" }],
    ["device_info of 1025 bytes", { userId: "alice", deviceInfo: "d".repeat(1025) }],
  ])("%s is refused when built (101)", (_name, request) => {
    expect(codeOf(() => buildRegister(stampAt(0x02), request, keyA))).toBe(101);
  });

  test("limits are inclusive: 256-byte user_id, 1024-byte device_info", () => {
    const frame = buildRegister(
      stampAt(0x02),
      { userId: "é".repeat(128), deviceInfo: "d".repeat(1024) },
      keyA,
    );
    expect(decodeRegister(frame).userId).toBe("é".repeat(128));
  });
});
