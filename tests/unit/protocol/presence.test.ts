import { describe, expect, test } from "bun:test";
import { ByteWriter, toHex } from "../../../src/protocol/bytes.ts";
import { decodeHeader, FrameType } from "../../../src/protocol/header.ts";
import { deviceIdOf } from "../../../src/protocol/messages.ts";
import {
  buildOfflineNotice,
  buildPresence,
  checkPresenceSignature,
  decodePresence,
  isNewerPresence,
  PresenceStatus,
} from "../../../src/protocol/presence.ts";
import { buildSignedFrame } from "../../../src/protocol/signed-frame.ts";
import { codeOf, flipByte, keyA, keyB, keyIks, stampAt } from "./codec-helpers.ts";
import { V } from "./vectors.ts";

const idA = deviceIdOf(V.deviceAPublic);
const idB = deviceIdOf(V.deviceBPublic);
const keys = { device: V.deviceAPublic, iks: V.iksPublic };

function rawPresence(status: number, message: Uint8Array, deviceId = idA, key = keyA): Uint8Array {
  const fields = new ByteWriter().raw(deviceId).u8(status).bytes(message).u64(V.t0).finish();
  return buildSignedFrame(FrameType.presence, stampAt(0x20), fields, key);
}

describe("0x20 Presence", () => {
  test("build → decode round trip; the device's signature verifies, another's does not", () => {
    const frame = buildPresence(
      stampAt(0x20),
      { status: PresenceStatus.away, message: "lunch", lastActiveMs: V.t0 - 5n },
      keyA,
    );
    const presence = decodePresence(frame, { sessionDeviceId: idA });
    expect(toHex(presence.deviceId)).toBe(toHex(idA));
    expect([presence.status, presence.message, presence.lastActiveMs, presence.timestampMs]).toEqual([
      2,
      "lunch",
      V.t0 - 5n,
      V.t0,
    ]);
    expect(codeOf(() => checkPresenceSignature(presence, keys))).toBe("none");
    expect(codeOf(() => checkPresenceSignature(decodePresence(flipByte(frame, 84)), keys))).toBe(200);
    expect(codeOf(() => checkPresenceSignature(presence, { ...keys, device: V.deviceBPublic }))).toBe(200);
  });

  test("§6.6 order: status above 3 or a 257-byte message (101) before device_id (303)", () => {
    expect(
      codeOf(() => decodePresence(rawPresence(4, new Uint8Array(0), idB), { sessionDeviceId: idA })),
    ).toBe(101);
    expect(
      codeOf(() =>
        decodePresence(rawPresence(1, new Uint8Array(257).fill(0x61), idB), { sessionDeviceId: idA }),
      ),
    ).toBe(101);
    expect(codeOf(() => decodePresence(rawPresence(1, Uint8Array.of(0xff), idA)))).toBe(101);
    expect(
      codeOf(() => decodePresence(rawPresence(1, new Uint8Array(0), idB), { sessionDeviceId: idA })),
    ).toBe(303);
    expect(decodePresence(rawPresence(3, new Uint8Array(256).fill(0x61))).message.length).toBe(256);
  });

  test("offline notice: status 0, empty message, last_active = timestamp = now, signed by IKs", () => {
    const now = Number(V.t0) + 1234;
    const frame = buildOfflineNotice({ messageId: new Uint8Array(32).fill(0x20) }, idA, now, keyIks);
    expect(decodeHeader(frame).timestampMs).toBe(BigInt(now));
    const notice = decodePresence(frame);
    expect([notice.status, notice.message, notice.lastActiveMs]).toEqual([0, "", BigInt(now)]);
    expect(codeOf(() => checkPresenceSignature(notice, keys))).toBe("none");
    expect(codeOf(() => checkPresenceSignature(notice, { ...keys, iks: V.deviceBPublic }))).toBe(200);
  });

  test("acceptance: IKs may sign only status 0; the device may sign any status", () => {
    const byIks = decodePresence(rawPresence(1, new Uint8Array(0), idA, keyIks));
    expect(codeOf(() => checkPresenceSignature(byIks, keys))).toBe(200);
    const offlineByDevice = decodePresence(rawPresence(0, new Uint8Array(0)));
    expect(codeOf(() => checkPresenceSignature(offlineByDevice, keys))).toBe("none");
    const byStranger = decodePresence(rawPresence(0, new Uint8Array(0), idA, keyB));
    expect(codeOf(() => checkPresenceSignature(byStranger, keys))).toBe(200);
  });

  test("older updates are dropped, equal or newer ones replace the held one", () => {
    const at = (ms: bigint) =>
      decodePresence(buildPresence(stampAt(0x20, ms), { status: 1, message: "", lastActiveMs: ms }, keyA));
    expect(isNewerPresence(undefined, at(V.t0))).toBe(true);
    expect(isNewerPresence(at(V.t0), at(V.t0 + 1n))).toBe(true);
    expect(isNewerPresence(at(V.t0), at(V.t0))).toBe(true);
    expect(isNewerPresence(at(V.t0), at(V.t0 - 1n))).toBe(false);
  });
});
