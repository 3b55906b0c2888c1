import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { Agent, type Answer, type AuthResult } from "../helpers/independent-agent.ts";
import { MessagingServer } from "../helpers/messaging-server.ts";

/**
 * Session and queue lifecycle of NCP-1 §§6–8, on the compiled server with short settings, driven by
 * the independent client: supersede, soft/hard expiry, idle and auth timeouts, TTL expiry receipts,
 * caps, quota, revocation (0x05 and the operator's `device revoke|suspend` on the running server),
 * presence audience, directory states, and each §10 rate limit with its retry_after.
 */
setDefaultTimeout(30_000);
const agents: Agent[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A server of its own for one describe block (`extra` config), killed at the end of the file. */
function serverWith(extra: string, policy = "open"): () => MessagingServer {
  let server: MessagingServer | undefined;
  beforeAll(async () => {
    const dir = tempDir("norc-lifecycle-");
    cleanups.push(dir.cleanup);
    server = await MessagingServer.start(dir.path, extra, policy);
    cleanups.push(() => server?.kill());
  });
  return () => server as MessagingServer;
}

async function agent(name: string, seed?: string): Promise<Agent> {
  const made = await Agent.start(name, seed);
  agents.push(made);
  return made;
}

/** A device of `user` registered over 0x02 and authenticated. */
async function online(server: MessagingServer, user: string, name = user): Promise<Agent> {
  const made = await agent(name);
  await made.connect(server.port);
  expect((await made.call<Answer>("register", { user })).status).toBe(0);
  expect((await made.call<AuthResult>("auth")).error).toBeUndefined();
  return made;
}

/** A device the operator added with `device add` on the running server, authenticated. */
async function added(server: MessagingServer, user: string): Promise<Agent> {
  const made = await agent(user);
  const result = await server.cli("device", "add", "--public-key", made.publicKey, "--user", user);
  expect(result.exitCode).toBe(0);
  await made.online(server.port);
  return made;
}

/** Registered (so it exists) and then offline. */
async function offline(server: MessagingServer, user: string): Promise<Agent> {
  const made = await online(server, user);
  await made.call("close");
  await made.closed();
  return made;
}

async function sent(from: Agent, to: Agent, text: string): Promise<string> {
  const answer = await from.call<Answer>("send", { to: to.deviceId, text });
  expect(answer.status).toBe(0);
  return answer.message_id;
}

/** Sends `cmd`; the error answering it (ref = the frame's message_id). */
async function refused(from: Agent, cmd: string, args: Record<string, unknown>) {
  const answer = await from.call<Answer>(cmd, args);
  expect(answer.error?.details.ref).toBe(answer.message_id);
  return answer.error as NonNullable<Answer["error"]>;
}

describe("sessions: supersede, revocation, suspension, presence, directory", () => {
  const server = serverWith("[limits]\nregistrations_burst = 100\n");

  test("supersede: the old session gets 203 superseded, unacked entries are pushed again on the new one, no offline notice", async () => {
    const alice = await online(server(), "alice");
    const bob1 = await agent("bob");
    await bob1.connect(server().port);
    expect((await bob1.call<Answer>("register", { user: "bob" })).status).toBe(0);
    const bob1Auth = await bob1.call<AuthResult>("auth");
    await bob1.call("autoack", { on: false });
    const ids = [await sent(alice, bob1, "m1"), await sent(alice, bob1, "m2"), await sent(alice, bob1, "m3")];
    await bob1.waitFor("message", () => true, 3);
    await bob1.call("ack", { ref: ids[0], target: alice.deviceId });
    await bob1.call("lookup", { deviceIds: [bob1.deviceId] }); // answered after the ack's commit
    const { seed } = await bob1.call<{ seed: string }>("identity");
    const bob2 = await agent("bob-again", seed);
    const auth = await bob2.online(server().port);
    expect(auth.queued).toBe(2);
    const [superseded] = await bob1.waitFor("error", (e) => e.code === 203);
    expect(superseded?.details).toMatchObject({ reason: "superseded" });
    await bob1.closed();
    const again = await bob2.waitFor("message", () => true, 2);
    expect(again.map((m) => [m.message_id, m.text])).toEqual([
      [ids[1], "m2"],
      [ids[2], "m3"],
    ]);
    const receipts = await alice.waitFor("receipt", () => true, 3);
    expect(receipts.map((r) => r.ref)).toEqual(ids);
    const log = server().output();
    expect(log).toContain(
      `NCP-1 session started device=${bob1.deviceId} session=${auth.session_id} previous=${bob1Auth.session_id} trigger=supersede`,
    );
    expect(log).toMatch(
      new RegExp(
        `NCP-1 session ended device=${bob1.deviceId} session=${bob1Auth.session_id} trigger=superseded code=203 `,
      ),
    );
    await bob2.call("close");
    await alice.waitFor("presence", (p) => p.device === bob1.deviceId && p.status === 0);
    await alice.call("timesync");
    expect(alice.seen("presence", (p) => p.device === bob1.deviceId && p.status === 0)).toHaveLength(1);
  });

  test("0x05 by the user's other device: queue purged with status-3 receipts, 202 to its session, 400 revoked after, state 4 in the directory", async () => {
    const phone = await online(server(), "carol", "carol-phone");
    const laptop = await online(server(), "carol", "carol-laptop");
    const dave = await online(server(), "dave");
    await laptop.call("autoack", { on: false });
    const ids = [await sent(dave, laptop, "one"), await sent(dave, laptop, "two")];
    await laptop.waitFor("message", () => true, 2);
    const revoked = await phone.call<Answer>("revoke", { deviceId: laptop.deviceId, reason: 2 });
    expect(revoked.status).toBe(0);
    const [closing] = await laptop.waitFor("error", (e) => e.code === 202);
    expect(closing?.details).toMatchObject({ reason: "revoked" });
    await laptop.closed();
    const failures = await dave.waitFor("receipt", (r) => r.status === 3, 2);
    expect(failures.map((r) => [r.ref, r.signer, r.target])).toEqual(
      ids.map((id) => [id, "server", dave.deviceId]),
    );
    const later = await refused(dave, "send", { to: laptop.deviceId, payloadBytes: 1024 });
    expect([later.code, later.details.reason]).toEqual([400, "revoked"]);
    const listed = await dave.call<Answer>("lookup", { user: "carol" });
    expect(listed.entries?.map((e) => [e.deviceId, e.state])).toEqual([
      [phone.deviceId, 2],
      [laptop.deviceId, 4],
    ]);
    expect((await phone.call<Answer>("revoke", { deviceId: laptop.deviceId })).status).toBe(0);
    expect(await phone.isOpen()).toBe(true);
  });

  test("`device revoke` on the running server: 202 to the session, status-3 receipts to senders, 400 revoked for later sends", async () => {
    const erin = await online(server(), "erin");
    const frank = await online(server(), "frank");
    await erin.call("autoack", { on: false });
    const id = await sent(frank, erin, "soon gone");
    await erin.waitFor("message", (m) => m.message_id === id);
    const result = await server().cli("device", "revoke", erin.deviceId);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`device ${erin.deviceId} revoked; 1 queued entry purged`);
    const [closing] = await erin.waitFor("error", (e) => e.code === 202);
    expect(closing?.details).toMatchObject({ reason: "revoked" });
    await erin.closed();
    const [failure] = await frank.waitFor("receipt", (r) => r.ref === id);
    expect([failure?.status, failure?.signer]).toEqual([3, "server"]);
    const later = await refused(frank, "send", { to: erin.deviceId, payloadBytes: 1024 });
    expect([later.code, later.details.reason]).toEqual([400, "revoked"]);
    await erin.connect(server().port);
    expect((await erin.call<AuthResult>("auth")).error?.code).toBe(202);
  });

  test("`device suspend` on the running server: 303 suspended, the queue kept; after `device approve` the entries arrive again", async () => {
    const gina = await online(server(), "gina");
    const hank = await online(server(), "hank");
    await gina.call("autoack", { on: false });
    const id = await sent(hank, gina, "kept for later");
    await gina.waitFor("message", (m) => m.message_id === id);
    const result = await server().cli("device", "suspend", gina.deviceId);
    expect(result.exitCode).toBe(0);
    const [closing] = await gina.waitFor("error", (e) => e.code === 303);
    expect(closing?.details).toMatchObject({ reason: "suspended" });
    await gina.closed();
    const listed = await hank.call<Answer>("lookup", { deviceIds: [gina.deviceId] });
    expect(listed.entries?.[0]?.state).toBe(3);
    expect((await hank.call<{ refused?: string }>("send", { to: gina.deviceId, text: "no" })).refused).toBe(
      "recipient has no active key in the directory",
    );
    await gina.connect(server().port);
    const refusedAuth = await gina.call<AuthResult>("auth");
    expect([refusedAuth.error?.code, refusedAuth.error?.details.reason]).toEqual([303, "suspended"]);
    expect((await server().cli("device", "approve", gina.deviceId)).exitCode).toBe(0);
    await gina.call("autoack", { on: true });
    expect((await gina.online(server().port)).queued).toBe(1);
    await gina.waitFor("duplicate", (m) => m.message_id === id);
    const [receipt] = await hank.waitFor("receipt", (r) => r.ref === id);
    expect(receipt?.status).toBe(1);
  });

  test("presence audience: the recipient of a message sees its sender's presence and the sender the recipient's; never queued; strangers see nothing", async () => {
    const ivy = await online(server(), "ivy");
    const jack = await online(server(), "jack");
    const stranger = await online(server(), "kim");
    const late = await offline(server(), "lou");
    await sent(ivy, jack, "hello");
    await sent(ivy, late, "you are offline");
    await jack.call("presence", { status: 2, message: "away" });
    const [update] = await ivy.waitFor("presence", (p) => p.device === jack.deviceId);
    expect(update).toMatchObject({ status: 2, message: "away", signer: "device" });
    await ivy.call("presence", { status: 3, message: "busy" });
    await jack.waitFor("presence", (p) => p.device === ivy.deviceId && p.status === 3);
    await ivy.call("lookup", { deviceIds: [ivy.deviceId] }); // after the fan-out of the 0x20 before it
    await stranger.call("timesync");
    expect(stranger.seen("presence")).toEqual([]);
    await late.online(server().port);
    const seenByLate = await late.call<Answer>("lookup", { deviceIds: [ivy.deviceId, jack.deviceId] });
    expect(seenByLate.entries?.map((e) => e.presence)).toEqual([3, 0]);
    await late.call("timesync");
    expect(late.seen("presence", (p) => p.status === 3)).toEqual([]);
    await jack.call("close");
    const [notice] = await ivy.waitFor("presence", (p) => p.device === jack.deviceId && p.status === 0);
    expect(notice).toMatchObject({ message: "", signer: "server" });
    const afterwards = await ivy.call<Answer>("lookup", { deviceIds: [jack.deviceId] });
    expect(afterwards.entries?.[0]?.presence).toBe(0);
  });
});

describe("session expiry ([session] lifetime_secs = 3, grace_secs = 1, max_messages = 3)", () => {
  const server = serverWith("[session]\nlifetime_secs = 3\ngrace_secs = 1\nmax_messages = 3\n");

  test("expires_at is lifetime × U[0.9, 1.1]; hard expiry (203 expired) comes at expires_at + grace, not before", async () => {
    const before = Date.now();
    const quiet = await agent("quiet");
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
    const sender = await agent("sender");
    await sender.connect(server().port);
    expect((await sender.call<Answer>("register", { user: "sender" })).status).toBe(0);
    const auth = await sender.call<AuthResult>("auth");
    expect(auth.error).toBeUndefined();
    const receiver = await online(server(), "receiver");
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
    const waiting = await agent("waiting");
    await waiting.connect(server().port);
    const [error] = await waiting.waitFor("error", (e) => e.code === 101, 1, 5_000);
    expect(error?.details).toMatchObject({ reason: "timeout" });
    await waiting.closed();
  });

  test("idle_timeout: a session that sends records stays, a silent one gets 101 reason=timeout", async () => {
    const busy = await online(server(), "busy");
    const silent = await online(server(), "silent");
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
    const sender = await online(server(), "ttl-sender");
    const absent = await offline(server(), "ttl-absent");
    const id = await sent(sender, absent, "too late");
    const [receipt] = await sender.waitFor("receipt", (r) => r.ref === id, 1, 8_000);
    expect(receipt).toMatchObject({ status: 3, signer: "server", target: sender.deviceId });
    expect((await absent.online(server().port)).queued).toBe(0);
    await absent.call("timesync");
    expect(absent.seen("message")).toEqual([]);
  });
});

describe("caps ([queue] max_frames = 2, max_bytes = 4000, full_retry_secs = 9)", () => {
  const server = serverWith(
    "[queue]\nmax_frames = 2\nmax_bytes = 4000\nfull_retry_secs = 9\n\n[limits]\nregistrations_burst = 10\n",
  );

  test("a third entry (502 limit=queue, retry_after 9), a byte cap, and receipts counted in the sender's queue", async () => {
    const a = await online(server(), "cap-a");
    const b = await offline(server(), "cap-b");
    const c = await offline(server(), "cap-c");
    const d = await online(server(), "cap-d");
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
    const a = await online(server(), "win-a");
    const b = await online(server(), "win-b");
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
    const a = await online(server(), "reload-a");
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

describe("quota ([storage] max_disk_usage_mb = 1)", () => {
  const server = serverWith("[storage]\nmax_disk_usage_mb = 1\n");

  test("past the quota a message gets 502 limit=disk; what was accepted is still delivered", async () => {
    const a = await online(server(), "quota-a");
    const b = await offline(server(), "quota-b");
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
    const a = await added(server(), "rl-messages");
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
    const a = await added(server(), "rl-lookups");
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
    const a = await added(server(), "rl-revoke");
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
    const a = await agent("handshaker");
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
