import { describe, expect, test } from "bun:test";
import { buildAuthResponse, decodeAuthResponse } from "../../../src/protocol/auth-response.ts";
import { concatBytes, toHex } from "../../../src/protocol/bytes.ts";
import { buildFrame, decodeHeader, FrameType } from "../../../src/protocol/header.ts";
import { codeOf, stampAt } from "./codec-helpers.ts";

const body = {
  sessionId: new Uint8Array(32).fill(0xaa),
  expiresAtMs: 1_735_693_200_000n,
  serverTimeMs: 1_735_689_600_123n,
  messageLimit: 10_000,
  queued: 3,
};

describe("0x04 AuthResponse", () => {
  test("builds the §6 layout (84-byte body) and decodes back", () => {
    const frame = buildAuthResponse(stampAt(0x04), body);
    expect(decodeHeader(frame).type).toBe(FrameType.authResponse);
    expect(frame.length).toBe(48 + 32 + 8 + 8 + 4 + 4);
    expect(toHex(frame.subarray(80, 88))).toBe("000001941f606a80");
    expect(decodeAuthResponse(frame)).toEqual(body);
  });

  test("a short body is 101; extension bytes are ignored", () => {
    const frame = buildAuthResponse(stampAt(0x04), body);
    expect(codeOf(() => decodeAuthResponse(frame.subarray(0, frame.length - 1)))).toBe(101);
    const extended = buildFrame(
      { version: 1, type: FrameType.authResponse, flags: 0, ...stampAt(0x04) },
      concatBytes(frame.subarray(48), Uint8Array.of(1, 2, 3)),
    );
    expect(decodeAuthResponse(extended)).toEqual(body);
  });

  test("a session_id that is not 32 bytes cannot be built", () => {
    expect(() => buildAuthResponse(stampAt(0x04), { ...body, sessionId: new Uint8Array(31) })).toThrow(
      RangeError,
    );
  });
});
