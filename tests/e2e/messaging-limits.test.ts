import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Answer } from "../helpers/independent-agent.ts";
import { Devices, refused, sent, serverWith } from "../helpers/messaging-devices.ts";

/**
 * Bounds of NCP-1 §7.3, §8.3 and §10 on the compiled server, driven by the independent client: queue
 * caps (frames, bytes, receipts counted), delivery_window, a live reload of [limits], the disk quota,
 * and each rate limit with its retry_after.
 */
setDefaultTimeout(30_000);
const devices = new Devices();

describe("caps ([queue] max_frames = 2, max_bytes = 4000, full_retry_secs = 9)", () => {
  const server = serverWith(
    "[queue]\nmax_frames = 2\nmax_bytes = 4000\nfull_retry_secs = 9\n\n[limits]\nregistrations_burst = 10\n",
  );

  test("a third entry (502 limit=queue, retry_after 9), a byte cap, and receipts counted in the sender's queue", async () => {
    const a = await devices.online(server(), "cap-a");
    const b = await devices.offline(server(), "cap-b");
    const c = await devices.offline(server(), "cap-c");
    const d = await devices.online(server(), "cap-d");
    const ids = [await sent(a, b, "1"), await sent(a, b, "2")];
    const third = await refused(a, "send", { to: b.deviceId, text: "3" });
    expect([third.code, third.details.limit, third.retry_after]).toEqual([502, "queue", 9]);
    expect((await a.call<Answer>("send", { to: c.deviceId, payloadBytes: 2_500 })).status).toBe(0);
    const bytes = await refused(a, "send", { to: c.deviceId, payloadBytes: 1_024 });
    expect([bytes.code, bytes.details.limit]).toEqual([502, "queue"]);
    await a.call("close");
    await b.online(server().port);
    await b.waitFor("acked", () => true, 2);
    await b.call("timesync"); // after the acks' commits: the receipts are queued for a
    const toA = await refused(d, "send", { to: a.deviceId, text: "a's queue holds two receipts" });
    expect([toA.code, toA.details.limit]).toEqual([502, "queue"]);
    expect((await a.online(server().port)).queued).toBe(2);
    const receipts = await a.waitFor("receipt", () => true, 2);
    expect(receipts.map((r) => [r.ref, r.status])).toEqual(ids.map((id) => [id, 1]));
  });
});

describe("delivery window ([queue] delivery_window = 2) and a live reload of [limits]", () => {
  const server = serverWith(
    "[queue]\ndelivery_window = 2\n\n[limits]\nmessages_burst = 6\nmessages_per_minute = 1\n",
  );

  test("at most delivery_window pushed messages stay unacked; each ack lets the next one through", async () => {
    const a = await devices.online(server(), "win-a");
    const b = await devices.online(server(), "win-b");
    await b.call("autoack", { on: false });
    const ids = [];
    for (const text of ["1", "2", "3", "4"]) ids.push(await sent(a, b, text));
    await b.waitFor("message", () => true, 2);
    await b.call("timesync");
    expect(b.seen("message").map((m) => m.message_id)).toEqual(ids.slice(0, 2));
    await b.call("ack", { ref: ids[0], target: a.deviceId });
    await b.waitFor("message", () => true, 3);
    await b.call("timesync");
    expect(b.seen("message").map((m) => m.message_id)).toEqual(ids.slice(0, 3));
    await b.call("ack", { ref: ids[1], target: a.deviceId });
    await b.call("ack", { ref: ids[2], target: a.deviceId });
    const all = await b.waitFor("message", () => true, 4);
    expect(all.map((m) => m.message_id)).toEqual(ids);
  });

  test("`norc-server reload` applies a raised messages_burst to the running sessions", async () => {
    const a = await devices.online(server(), "reload-a");
    for (let i = 0; i < 6; i++) await sent(a, a, `m${i}`);
    expect((await refused(a, "send", { to: a.deviceId, text: "over" })).details.limit).toBe("messages");
    const path = join(server().dir, "config.toml");
    writeFileSync(path, readFileSync(path, "utf8").replace("messages_burst = 6", "messages_burst = 20"));
    const reloaded = await server().cli("reload");
    expect(reloaded.exitCode).toBe(0);
    await server().process?.waitFor(/configuration reloaded: changed limits\.messages_burst/);
    await sent(a, a, "after the reload");
    expect(await a.isOpen()).toBe(true);
  });
});

describe("slow consumer ([queue] outbound_high_water_bytes = 1, outbound_max_bytes = 2)", () => {
  // Pushes stop at the first unwritten byte, and any partial write is over the limit: the close
  // comes as soon as the kernel's buffers toward the paused reader are full. The restart on the
  // default limits shows the queue kept every entry, on disk.
  const server = serverWith(
    "[queue]\noutbound_high_water_bytes = 1\noutbound_max_bytes = 2\n\n[limits]\nmessages_burst = 100\n",
  );

  test("a recipient that stops reading is closed without an error frame; its queue keeps every entry", async () => {
    const a = await devices.online(server(), "slow-a");
    const b = await devices.online(server(), "slow-b");
    await b.call("pause");
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) ids.push(await sent(a, b, `${i}:${"z".repeat(1_000_000)}`));
    await server().process?.waitFor(
      /closing connection from .*: \d+ bytes unsent in \d+ frames, over queue\.outbound_max_bytes/,
    );
    await b.call("resume");
    await b.closed();
    expect(b.seen("error")).toEqual([]);
    // Under these limits any partial write of a 1 MB frame closes the connection, reading or not, so
    // the queue is fetched after a restart on the default [queue] limits.
    const path = join(server().dir, "config.toml");
    writeFileSync(path, readFileSync(path, "utf8").replace(/outbound_\w+ = \d+\n/g, ""));
    await server().restart();
    await b.online(server().port);
    const arrived = () => new Set([...b.seen("message"), ...b.seen("duplicate")].map((m) => m.message_id));
    await b.waitFor("acked", () => arrived().size === ids.length, 1, 30_000);
    expect([...arrived()].sort()).toEqual([...ids].sort());
  });
});

describe("quota ([storage] max_disk_usage_mb = 1)", () => {
  const server = serverWith("[storage]\nmax_disk_usage_mb = 1\n");

  test("past the quota a message gets 502 limit=disk; what was accepted is still delivered", async () => {
    const a = await devices.online(server(), "quota-a");
    const b = await devices.offline(server(), "quota-b");
    const big = "x".repeat(1_100_000);
    const id = await sent(a, b, big);
    const full = await refused(a, "send", { to: b.deviceId, text: "no room" });
    expect([full.code, full.details.limit]).toEqual([502, "disk"]);
    expect(full.retry_after).toBeGreaterThanOrEqual(1);
    await b.online(server().port);
    const [message] = await b.waitFor("message", (m) => m.message_id === id);
    expect(String(message?.text).length).toBe(1_100_000);
    const [receipt] = await a.waitFor("receipt", (r) => r.ref === id);
    expect(receipt?.status).toBe(1);
  });
});

describe("rate limits (§10) with retry_after, devices added by the operator", () => {
  const server = serverWith(
    [
      "[limits]",
      "messages_burst = 2",
      "messages_per_minute = 6",
      "key_lookups_burst = 2",
      "key_lookups_per_minute = 6",
      "presence_burst = 2",
      "presence_per_minute = 6",
      "revocations_burst = 1",
      "revocations_per_hour = 60",
      "registrations_burst = 2",
      "registrations_per_hour = 60",
      "time_sync_burst = 3",
      "time_sync_per_minute = 6",
      "",
    ].join("\n"),
    "closed",
  );
  const tenSeconds = (retryAfter: number) => retryAfter >= 9 && retryAfter <= 10;

  test("messages: the burst, then 502 limit=messages for a 0x10 and for an ack matching nothing", async () => {
    const a = await devices.added(server(), "rl-messages");
    await sent(a, a, "1");
    await sent(a, a, "2");
    const error = await refused(a, "send", { to: a.deviceId, text: "3" });
    expect([error.code, error.details.limit, tenSeconds(error.retry_after)]).toEqual([502, "messages", true]);
    const ack = await a.call<{ message_id: string }>("ack", { ref: "00".repeat(32), target: a.deviceId });
    const unmatched = await a.errorFor(ack.message_id);
    expect([unmatched.code, unmatched.details.limit]).toEqual([502, "messages"]);
    expect(await a.isOpen()).toBe(true);
  });

  test("key_lookups, presence and time_sync: the burst, then 502 with retry_after", async () => {
    const a = await devices.added(server(), "rl-lookups");
    for (let i = 0; i < 2; i++) expect((await a.call<Answer>("lookup", { user: "x" })).entries).toEqual([]);
    const lookup = await refused(a, "lookup", { user: "x" });
    expect([lookup.code, lookup.details.limit, tenSeconds(lookup.retry_after)]).toEqual([
      502,
      "key_lookups",
      true,
    ]);
    for (let i = 0; i < 2; i++) await a.call("presence", { status: 1 });
    const presence = await a.call<{ message_id: string }>("presence", { status: 2 });
    const presenceError = await a.errorFor(presence.message_id);
    expect([presenceError.code, presenceError.details.limit, tenSeconds(presenceError.retry_after)]).toEqual([
      502,
      "presence",
      true,
    ]);
    for (let i = 0; i < 3; i++) expect(await a.isOpen()).toBe(true);
    const [timeSync] = await Promise.all([
      a.waitFor(
        "error",
        (e) => e.code === 502 && (e.details as Record<string, string>).limit === "time_sync",
      ),
      a.call("raw", { type: 0x33, body: "" }),
    ]);
    expect(tenSeconds(timeSync[0]?.retry_after as number)).toBe(true);
  });

  test("revocations and registrations: the burst, then 502 with retry_after (60 s); a registration refused in KEYED closes", async () => {
    const a = await devices.added(server(), "rl-revoke");
    expect((await refused(a, "revoke", { deviceId: "ab".repeat(32) })).code).toBe(201);
    const revoke = await refused(a, "revoke", { deviceId: "ab".repeat(32) });
    expect([revoke.code, revoke.details.limit, revoke.retry_after]).toEqual([502, "revocations", 60]);
    for (let i = 0; i < 2; i++)
      expect((await a.call<Answer>("register", { user: "rl-revoke" })).status).toBe(0);
    const inSession = await refused(a, "register", { user: "rl-revoke" });
    expect([inSession.code, inSession.details.limit, inSession.retry_after]).toEqual([
      502,
      "registrations",
      60,
    ]);
    expect(await a.isOpen()).toBe(true);
    await a.connect(server().port);
    const keyed = await refused(a, "register", { user: "rl-revoke" });
    expect([keyed.code, keyed.details.limit]).toEqual([502, "registrations"]);
    await a.closed();
  });
});

describe("handshakes limit ([limits] handshakes_burst = 3, handshakes_per_minute = 2)", () => {
  const server = serverWith("[limits]\nhandshakes_burst = 3\nhandshakes_per_minute = 2\n");

  test("the fourth ClientHello from the address gets a plaintext 502 limit=handshakes with retry_after, then the close", async () => {
    const a = await devices.agent("handshaker");
    for (let i = 0; i < 3; i++) {
      const made = await a.connect(server().port);
      expect(made.refused).toBeUndefined();
    }
    const fourth = await a.connect(server().port);
    expect(fourth.refused?.code).toBe(502);
    expect(fourth.refused?.details.limit).toBe("handshakes");
    expect(fourth.refused?.retry_after).toBeGreaterThanOrEqual(29);
    expect(fourth.refused?.retry_after).toBeLessThanOrEqual(30);
  });
});
