import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { randomBytes } from "node:crypto";
import type { Answer, AuthResult } from "../helpers/independent-agent.ts";
import { Devices, refused, serverWith } from "../helpers/messaging-devices.ts";

/**
 * The §9 errors of KEYED on the compiled server, each fatal (every error before AUTHENTICATED is),
 * provoked by the independent client: 303 (state, registration closed, pending), 201, 200, 103,
 * 402 above preauth_max_frame, and the 502 auth lockout with its retry_after.
 */
setDefaultTimeout(30_000);
const devices = new Devices();
const randomId = () => randomBytes(32).toString("hex");
const server = serverWith("[limits]\nregistrations_burst = 100\n");
const closedServer = serverWith("", "closed");
const approvalServer = serverWith("", "approval");

describe("errors before authentication (all fatal)", () => {
  test("303: a 0x10 in KEYED; 303 registration_closed under the closed policy", async () => {
    const a = await devices.keyed(server());
    const early = await refused(a, "send", { to: randomId(), payloadBytes: 64 });
    expect(early.code).toBe(303);
    await a.closed();
    const b = await devices.keyed(closedServer());
    const closed = await refused(b, "register", { user: "nobody" });
    expect([closed.code, closed.details.reason]).toEqual([303, "registration_closed"]);
    await b.closed();
  });

  test("303 reason=pending under the approval policy (its 0x02 got status 4); after `device approve` it authenticates", async () => {
    const a = await devices.keyed(approvalServer());
    expect((await a.call<Answer>("register", { user: "waits" })).status).toBe(4);
    const pending = await a.call<AuthResult & { message_id: string }>("auth");
    expect([pending.error?.code, pending.error?.details.reason]).toEqual([303, "pending"]);
    await a.closed();
    expect((await approvalServer().cli("device", "approve", a.deviceId)).exitCode).toBe(0);
    expect((await a.online(approvalServer().port)).error).toBeUndefined();
  });

  test("201: a 0x03 of an unknown device; 200: a bad signature and a device_id that is not BLAKE3(key); 103: auth skew", async () => {
    const unknown = await devices.keyed(server());
    const notRegistered = await unknown.call<AuthResult & { message_id: string }>("auth");
    expect([notRegistered.error?.code, notRegistered.error?.details.ref]).toEqual([
      201,
      notRegistered.message_id,
    ]);
    await unknown.closed();
    const a = await devices.keyed(server());
    expect((await a.call<Answer>("register", { user: "pre" })).status).toBe(0);
    const badSignature = await a.call<AuthResult>("auth", { badSignature: true });
    expect(badSignature.error?.code).toBe(200);
    await a.closed();
    await a.connect(server().port);
    const wrongId = await a.call<AuthResult>("auth", { deviceId: randomId() });
    expect(wrongId.error?.code).toBe(200);
    await a.closed();
    await a.connect(server().port);
    const skewed = await a.call<AuthResult>("auth", { timestampOffsetMs: -6_000 });
    expect(skewed.error?.code).toBe(103);
    await a.closed();
  });

  test("402: a KEYED frame above preauth_max_frame (16 384 bytes)", async () => {
    const a = await devices.keyed(server());
    const head = Buffer.alloc(48);
    head.set([1, 1, 0x02, 1]);
    head.writeUInt32BE(16_385, 4);
    await a.call("raw", { bytes: head.toString("hex") });
    await a.waitFor("error", (e) => e.code === 402);
    await a.closed();
  });

  test("502: five failed authentications lock the device and the address out (retry_after = the lockout left)", async () => {
    const a = await devices.agent("locked");
    const added = await closedServer().cli("device", "add", "--public-key", a.publicKey, "--user", "locked");
    expect(added.exitCode).toBe(0);
    for (let i = 0; i < 5; i++) {
      await a.connect(closedServer().port);
      expect((await a.call<AuthResult>("auth", { badSignature: true })).error?.code).toBe(200);
      await a.closed();
    }
    await a.connect(closedServer().port);
    const locked = await a.call<AuthResult & { message_id: string }>("auth");
    expect(locked.error?.code).toBe(502);
    expect(locked.error?.details.ref).toBe(locked.message_id);
    expect(locked.error?.retry_after).toBeGreaterThan(290);
    expect(locked.error?.retry_after).toBeLessThanOrEqual(300);
    await a.closed();
  });
});
