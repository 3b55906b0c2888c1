import { describe, expect, test } from "bun:test";
import { deviceKeys } from "../../../src/client/device-messaging.ts";
import { emptyPlanMessage, parseSendTarget, planFanOut, targetRequest } from "../../../src/client/fan-out.ts";
import { randomBytes, toHex } from "../../../src/protocol/bytes.ts";
import { DeviceState, type DirectoryEntry } from "../../../src/protocol/directory.ts";

function device(userId: string, state: number = DeviceState.active): { entry: DirectoryEntry; id: string } {
  const keys = deviceKeys(randomBytes(32));
  const entry = {
    deviceId: keys.deviceId,
    userId,
    publicKey: keys.publicKey,
    state,
    registeredAtMs: 1n,
    capabilities: 0,
    presence: 0,
  };
  return { entry, id: toHex(keys.deviceId) };
}

describe("fan-out planning", () => {
  test("--to: 64 hex digits are a device (kind 1), anything else a user (kind 0), user: forces a user", () => {
    const hex = "AB".repeat(32);
    const asDevice = parseSendTarget(hex);
    expect(asDevice.kind).toBe("device");
    expect(targetRequest(asDevice)).toEqual({ kind: 1, deviceIds: [new Uint8Array(32).fill(0xab)] });
    expect(targetRequest(parseSendTarget("bob"))).toEqual({ kind: 0, userId: "bob" });
    expect(parseSendTarget(`user:${hex}`)).toEqual({ kind: "user", userId: hex });
  });

  test("a user: one recipient per active genuine device, except this device; the rest say why", () => {
    const me = device("bob");
    const phone = device("bob");
    const laptop = device("bob");
    const pending = device("bob", DeviceState.registered);
    const gone = device("bob", DeviceState.revoked);
    const forged = device("bob");
    forged.entry.publicKey = phone.entry.publicKey;
    const other = device("carol");
    const entries = [me, phone, pending, laptop, gone, forged, other].map((d) => d.entry);
    const plan = planFanOut({ kind: "user", userId: "bob" }, entries, me.entry.deviceId);
    expect(plan.recipients.map((e) => toHex(e.deviceId))).toEqual([phone.id, laptop.id]);
    expect(plan.skipped).toEqual([
      { deviceId: me.id, why: "it is this device" },
      { deviceId: pending.id, why: "pending approval" },
      { deviceId: gone.id, why: "revoked" },
      { deviceId: forged.id, why: "its key does not match its id (forged entry)" },
    ]);
  });

  test("a device: only that entry, and only when active", () => {
    const a = device("bob");
    const b = device("bob", DeviceState.suspended);
    const plan = planFanOut(
      { kind: "device", deviceId: a.entry.deviceId },
      [b.entry, a.entry],
      new Uint8Array(32),
    );
    expect(plan.recipients).toEqual([a.entry]);
    const suspended = planFanOut(
      { kind: "device", deviceId: b.entry.deviceId },
      [b.entry],
      new Uint8Array(32),
    );
    expect(suspended.recipients).toEqual([]);
    expect(emptyPlanMessage({ kind: "device", deviceId: b.entry.deviceId }, suspended)).toContain(
      "suspended",
    );
  });

  test("an unknown user or one with no active device is explained", () => {
    const target = { kind: "user", userId: "nobody" } as const;
    expect(emptyPlanMessage(target, planFanOut(target, [], new Uint8Array(32)))).toBe(
      'user "nobody" is not known to the server',
    );
    const pending = device("nobody", DeviceState.registered);
    const plan = planFanOut(target, [pending.entry], new Uint8Array(32));
    expect(emptyPlanMessage(target, plan)).toBe(
      `user "nobody" has no active device to send to (${pending.id.slice(0, 16)}…: pending approval)`,
    );
  });
});
