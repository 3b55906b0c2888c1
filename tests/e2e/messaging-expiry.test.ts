import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Answer, AuthResult } from "../helpers/independent-agent.ts";
import { Devices, sent, serverWith } from "../helpers/messaging-devices.ts";

/**
 * Time in NCP-1 §7 and §8.3 with short settings on the compiled server, driven by the independent
 * client: session soft/hard expiry (lifetime and message_limit), auth and idle timeouts, TTL expiry
 * with the sender's status-3 receipt.
 */
setDefaultTimeout(30_000);
const devices = new Devices();

describe("session expiry ([session] lifetime_secs = 3, grace_secs = 1, max_messages = 3)", () => {
  const server = serverWith("[session]\nlifetime_secs = 3\ngrace_secs = 1\nmax_messages = 3\n");

  test("expires_at is lifetime × U[0.9, 1.1]; hard expiry (203 expired) comes at expires_at + grace, not before", async () => {
    const before = Date.now();
    const quiet = await devices.agent("quiet");
    await quiet.connect(server().port);
    expect((await quiet.call<Answer>("register", { user: "quiet" })).status).toBe(0);
    const auth = await quiet.call<AuthResult>("auth");
    expect(auth.message_limit).toBe(3);
    expect(auth.expires_at).toBeGreaterThanOrEqual(before + 2_700);
    expect(auth.expires_at).toBeLessThanOrEqual(Date.now() + 3_300);
    const [expired] = await quiet.waitFor("error", (e) => e.code === 203, 1, 8_000);
    expect(expired?.details).toMatchObject({ reason: "expired" });
    expect(expired?.at as number).toBeGreaterThanOrEqual(auth.expires_at + 1_000 - 20);
    await quiet.closed();
  });

  test("soft expiry by message_limit (0x10 sent plus received): both sessions end with 203 a grace period later, before their expires_at", async () => {
    const sender = await devices.agent("sender");
    await sender.connect(server().port);
    expect((await sender.call<Answer>("register", { user: "sender" })).status).toBe(0);
    const auth = await sender.call<AuthResult>("auth");
    expect(auth.error).toBeUndefined();
    const receiver = await devices.online(server(), "receiver");
    for (const text of ["1", "2", "3"]) await sent(sender, receiver, text);
    const [senderEnd] = await sender.waitFor("error", (e) => e.code === 203, 1, 5_000);
    const [receiverEnd] = await receiver.waitFor("error", (e) => e.code === 203, 1, 5_000);
    expect(senderEnd?.at as number).toBeLessThan(auth.expires_at);
    expect(receiverEnd?.details).toMatchObject({ reason: "expired" });
  });
});

describe("timeouts ([session] idle_timeout_secs = 1, auth_timeout_secs = 1)", () => {
  const server = serverWith("[session]\nidle_timeout_secs = 1\nauth_timeout_secs = 1\n");

  test("no 0x03 within auth_timeout: 101 reason=timeout and the close", async () => {
    const waiting = await devices.agent("waiting");
    await waiting.connect(server().port);
    const [error] = await waiting.waitFor("error", (e) => e.code === 101, 1, 5_000);
    expect(error?.details).toMatchObject({ reason: "timeout" });
    await waiting.closed();
  });

  test("idle_timeout: a session that sends records stays, a silent one gets 101 reason=timeout", async () => {
    const busy = await devices.online(server(), "busy");
    const silent = await devices.online(server(), "silent");
    const started = Date.now();
    while (Date.now() - started < 2_000) {
      expect(await busy.isOpen()).toBe(true);
      await Bun.sleep(250);
    }
    const [error] = await silent.waitFor("error", (e) => e.code === 101, 1, 5_000);
    expect(error?.details).toMatchObject({ reason: "timeout" });
    await silent.closed();
    expect(await busy.isOpen()).toBe(true);
  });
});

describe("TTL ([queue] ttl_days = 1.5 s)", () => {
  const server = serverWith(`[queue]\nttl_days = ${1.5 / 86_400}\n`);

  test("an undelivered message expires: its sender gets a server-signed status 3, the recipient nothing", async () => {
    const sender = await devices.online(server(), "ttl-sender");
    const absent = await devices.offline(server(), "ttl-absent");
    const id = await sent(sender, absent, "too late");
    const [receipt] = await sender.waitFor("receipt", (r) => r.ref === id, 1, 8_000);
    expect(receipt).toMatchObject({ status: 3, signer: "server", target: sender.deviceId });
    expect((await absent.online(server().port)).queued).toBe(0);
    await absent.call("timesync");
    expect(absent.seen("message")).toEqual([]);
  });
});
