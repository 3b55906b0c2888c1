import { describe, expect, test } from "bun:test";
import { ByteWriter } from "../../../src/protocol/bytes.ts";
import {
  buildKeyRequest,
  buildKeyResponse,
  DeviceState,
  type DirectoryEntry,
  decodeKeyRequest,
  decodeKeyResponse,
  encryptableEntries,
  isGenuineEntry,
} from "../../../src/protocol/directory.ts";
import { buildFrame, decodeHeader, FrameType } from "../../../src/protocol/header.ts";
import { deviceIdOf } from "../../../src/protocol/messages.ts";
import { codeOf, stampAt } from "./codec-helpers.ts";
import { V } from "./vectors.ts";

const idA = deviceIdOf(V.deviceAPublic);
const idB = deviceIdOf(V.deviceBPublic);
const frameOf = (type: number, body: Uint8Array) =>
  buildFrame({ version: 1, type, flags: 0, ...stampAt(0x30) }, body);

function entry(overrides: Partial<DirectoryEntry> = {}): DirectoryEntry {
  return {
    deviceId: idA,
    userId: "alice",
    publicKey: V.deviceAPublic,
    state: DeviceState.active,
    registeredAtMs: V.t0,
    capabilities: 0,
    presence: 1,
    ...overrides,
  };
}

describe("0x30 KeyRequest", () => {
  test("kind 0 (user_id) and kind 1 (device ids) round trip", () => {
    const byUser = buildKeyRequest(stampAt(0x30), { kind: 0, userId: "alice" });
    expect(decodeHeader(byUser).type).toBe(FrameType.keyRequest);
    expect(decodeKeyRequest(byUser)).toEqual({ kind: 0, userId: "alice" });
    const byIds = buildKeyRequest(stampAt(0x30), { kind: 1, deviceIds: [idA, idB] });
    expect(byIds.length).toBe(48 + 1 + 2 + 64);
    expect(decodeKeyRequest(byIds)).toEqual({ kind: 1, deviceIds: [idA, idB] });
  });

  test("1 and 64 ids pass; 0, 65 ids, kind 2, a bad user_id, a short id list are 101", () => {
    expect(
      decodeKeyRequest(buildKeyRequest(stampAt(0x30), { kind: 1, deviceIds: Array(64).fill(idA) })).kind,
    ).toBe(1);
    expect(codeOf(() => buildKeyRequest(stampAt(0x30), { kind: 1, deviceIds: [] }))).toBe(101);
    expect(codeOf(() => buildKeyRequest(stampAt(0x30), { kind: 1, deviceIds: Array(65).fill(idA) }))).toBe(
      101,
    );
    expect(codeOf(() => decodeKeyRequest(frameOf(FrameType.keyRequest, Uint8Array.of(2))))).toBe(101);
    expect(codeOf(() => buildKeyRequest(stampAt(0x30), { kind: 0, userId: "" }))).toBe(101);
    expect(codeOf(() => buildKeyRequest(stampAt(0x30), { kind: 0, userId: "a\nb" }))).toBe(101);
    const short = new ByteWriter().u8(1).u16(2).raw(idA).finish();
    expect(codeOf(() => decodeKeyRequest(frameOf(FrameType.keyRequest, short)))).toBe(101);
  });
});

describe("0x31 KeyResponse", () => {
  test("round trip with every field; an empty list is valid (unknown user)", () => {
    const entries = [
      entry(),
      entry({
        deviceId: idB,
        publicKey: V.deviceBPublic,
        userId: "bob",
        state: 4,
        presence: 0,
        capabilities: 0xffffffff,
      }),
    ];
    const ref = new Uint8Array(32).fill(0x30);
    const frame = buildKeyResponse(stampAt(0x31), { refMessageId: ref, entries });
    expect(decodeKeyResponse(frame)).toEqual({ refMessageId: ref, entries });
    expect(
      decodeKeyResponse(buildKeyResponse(stampAt(0x31), { refMessageId: ref, entries: [] })).entries,
    ).toEqual([]);
  });

  test("state 0 or 5, presence 4, more than 256 entries are 101; 256 entries pass", () => {
    const ref = new Uint8Array(32);
    for (const bad of [entry({ state: 0 }), entry({ state: 5 }), entry({ presence: 4 })]) {
      expect(codeOf(() => buildKeyResponse(stampAt(0x31), { refMessageId: ref, entries: [bad] }))).toBe(101);
    }
    const many = Array.from({ length: 256 }, () => entry());
    expect(
      decodeKeyResponse(buildKeyResponse(stampAt(0x31), { refMessageId: ref, entries: many })).entries.length,
    ).toBe(256);
    expect(
      codeOf(() => buildKeyResponse(stampAt(0x31), { refMessageId: ref, entries: [...many, entry()] })),
    ).toBe(101);
  });

  test("clients encrypt only to genuine entries in state 2", () => {
    const forged = entry({ deviceId: idB });
    expect(isGenuineEntry(entry())).toBe(true);
    expect(isGenuineEntry(forged)).toBe(false);
    const all = [entry(), forged, entry({ state: 1 }), entry({ state: 3 }), entry({ state: 4 })];
    expect(encryptableEntries(all)).toEqual([entry()]);
  });
});
