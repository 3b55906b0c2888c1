import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { resolve } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { Agent, type Answer, type AuthResult } from "../helpers/independent-agent.ts";
import { MessagingServer } from "../helpers/messaging-server.ts";

/**
 * The acceptance of issue 11: a client written only from NCP-1.md (tests/fixtures/independent-client,
 * plain Node.js, nothing of src/) registers devices on the compiled server and exchanges end-to-end
 * encrypted messages through it, online and offline across a restart, with acks, receipts,
 * presence and directory as the profile says.
 */
setDefaultTimeout(30_000);
const dir = tempDir("norc-independent-");
let server: MessagingServer;
const agents: Agent[] = [];
let alice: Agent;
let bob: Agent;

async function agent(name: string): Promise<Agent> {
  const made = await Agent.start(name);
  agents.push(made);
  return made;
}

async function registered(name: string, user: string): Promise<Agent> {
  const made = await agent(name);
  await made.call("connect", { port: server.port });
  const reply = await made.call<Answer>("register", { user, info: `${name}'s device` });
  expect(reply.status).toBe(0);
  return made;
}

beforeAll(async () => {
  server = await MessagingServer.start(dir.path, "[limits]\nregistrations_burst = 20\n");
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await server?.kill();
  dir.cleanup();
});

describe("the independent client against the compiled server", () => {
  test("it reproduces the §11 vectors it implements (key schedule, identities, record, G5–G11, S1–S13)", async () => {
    const child = Bun.spawn(
      ["node", resolve(import.meta.dir, "../fixtures/independent-client/agent.mjs"), "--self-test"],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    expect([code, stderr, stdout.trim()]).toEqual([0, "", '{"ok":true}']);
  });

  test("two devices register (status 0) and authenticate: 0x04 with the §7.2 limits and nothing queued", async () => {
    alice = await registered("alice", "alice");
    bob = await registered("bob", "bob");
    const before = Date.now();
    for (const device of [alice, bob]) {
      const auth = await device.call<AuthResult>("auth");
      expect(auth.error).toBeUndefined();
      expect(auth.message_limit).toBe(10_000);
      expect(auth.queued).toBe(0);
      expect(auth.session_id).toMatch(/^[0-9a-f]{64}$/);
      expect(auth.expires_at).toBeGreaterThanOrEqual(before + 3_240_000 - 1000);
      expect(auth.expires_at).toBeLessThanOrEqual(Date.now() + 3_960_000);
    }
    const again = await alice.call<Answer>("register", { user: "alice", info: "renamed" });
    expect(again.status).toBe(0);
  });

  test("directory: kind 0 lists a user's devices with their keys (unknown user: empty), kind 1 keeps request order and skips unknown ids", async () => {
    const byUser = await alice.call<Answer>("lookup", { user: "bob" });
    expect(byUser.entries).toEqual([
      expect.objectContaining({ deviceId: bob.deviceId, userId: "bob", publicKey: bob.publicKey, state: 2 }),
    ]);
    expect((await alice.call<Answer>("lookup", { user: "nobody" })).entries).toEqual([]);
    const unknown = "ab".repeat(32);
    const byId = await bob.call<Answer>("lookup", { deviceIds: [alice.deviceId, unknown, bob.deviceId] });
    expect(byId.entries?.map((e) => e.deviceId)).toEqual([alice.deviceId, bob.deviceId]);
    expect(byId.entries?.[0]).toMatchObject({ userId: "alice", publicKey: alice.publicKey, state: 2 });
  });

  test("online: messages arrive decrypted, in order, chained; the sender gets status 0, then the recipient's status-1 receipts, and a later status 2 (READ)", async () => {
    const texts = ["hello, bob", "second", "third, with ünïcode"];
    const sent: string[] = [];
    for (const text of texts) {
      const reply = await alice.call<Answer>("send", { to: bob.deviceId, text });
      expect(reply.status).toBe(0);
      sent.push(reply.message_id);
    }
    const received = await bob.waitFor("message", () => true, 3);
    expect(received.map((m) => m.text)).toEqual(texts);
    expect(received.map((m) => m.message_id)).toEqual(sent);
    expect(received.every((m) => m.sender === alice.deviceId && m.payload_bytes === 1024)).toBe(true);
    const sequences = received.map((m) => m.sequence as number);
    expect(sequences).toEqual([sequences[0], (sequences[0] ?? 0) + 1, (sequences[0] ?? 0) + 2] as number[]);
    expect(bob.seen("rejected")).toEqual([]);
    const receipts = await alice.waitFor("receipt", (r) => sent.includes(r.ref as string), 3);
    expect(receipts.map((r) => [r.ref, r.status, r.acker, r.signer])).toEqual(
      sent.map((ref) => [ref, 1, bob.deviceId, "device"]),
    );
    await bob.call("ack", { ref: sent[0], target: alice.deviceId, status: 2 });
    const [read] = await alice.waitFor("receipt", (r) => r.ref === sent[0] && r.status === 2);
    expect([read?.acker, read?.signer]).toEqual([bob.deviceId, "device"]);
    const answer = await bob.call<Answer>("send", { to: alice.deviceId, text: "hi alice" });
    expect(answer.status).toBe(0);
    const [back] = await alice.waitFor("message", (m) => m.message_id === answer.message_id);
    expect(back?.text).toBe("hi alice");
  });

  test("a resend with the same message_id is answered status 0 again and not delivered twice (§8.3)", async () => {
    const first = await alice.call<Answer>("send", { to: bob.deviceId, text: "once" });
    await bob.waitFor("message", (m) => m.message_id === first.message_id);
    const again = await alice.call<Answer>("send", { resend: first.message_id });
    expect([again.message_id, again.status]).toEqual([first.message_id, 0]);
    const marker = await alice.call<Answer>("send", { to: bob.deviceId, text: "after the resend" });
    await bob.waitFor("message", (m) => m.message_id === marker.message_id);
    expect(bob.seen("message", (m) => m.message_id === first.message_id)).toHaveLength(1);
    expect(bob.seen("duplicate")).toEqual([]);
  });

  test("the URGENT flag is kept when relayed; a message the recipient rejects (§8.5 chain) comes back to the sender as its status 3", async () => {
    const urgent = await alice.call<Answer>("send", { to: bob.deviceId, text: "now!", urgent: true });
    const [message] = await bob.waitFor("message", (m) => m.message_id === urgent.message_id);
    expect(message?.urgent).toBe(true);
    const broken = await alice.call<Answer>("send", {
      to: bob.deviceId,
      text: "bad chain",
      prevHash: "11".repeat(32),
    });
    expect(broken.status).toBe(0);
    const [rejected] = await bob.waitFor("rejected", (m) => m.message_id === broken.message_id);
    expect(rejected?.reason).toBe("chain: prev_message_hash mismatch");
    const [receipt] = await alice.waitFor("receipt", (r) => r.ref === broken.message_id);
    expect([receipt?.status, receipt?.acker, receipt?.signer]).toEqual([3, bob.deviceId, "device"]);
  });

  test("presence: pushed to contacts and the user's other devices, not to strangers; directory shows it only to the audience; the offline notice is IKs-signed", async () => {
    const laptop = await registered("alice-laptop", "alice");
    expect((await laptop.call<AuthResult>("auth")).error).toBeUndefined();
    const stranger = await registered("carol", "carol");
    expect((await stranger.call<AuthResult>("auth")).error).toBeUndefined();
    await alice.call("presence", { status: 3, message: "in a meeting" });
    for (const watcher of [bob, laptop]) {
      const [update] = await watcher.waitFor(
        "presence",
        (p) => p.device === alice.deviceId && p.status === 3,
      );
      expect(update).toMatchObject({ message: "in a meeting", signer: "device" });
    }
    const seenByBob = await bob.call<Answer>("lookup", { deviceIds: [alice.deviceId] });
    expect(seenByBob.entries?.[0]?.presence).toBe(3);
    const seenByStranger = await stranger.call<Answer>("lookup", { user: "alice" });
    expect(seenByStranger.entries?.map((e) => [e.deviceId, e.presence])).toEqual([
      [alice.deviceId, 0],
      [laptop.deviceId, 0],
    ]);
    await laptop.call("close");
    const [notice] = await alice.waitFor("presence", (p) => p.device === laptop.deviceId);
    expect(notice).toMatchObject({ status: 0, message: "", signer: "server" });
    expect(stranger.seen("presence")).toEqual([]);
  });

  test("offline: alice sends to offline bob and goes offline too; after a kill -9 restart bob gets everything in order, and alice her receipts", async () => {
    await bob.call("close");
    const texts = Array.from({ length: 5 }, (_, i) => `offline ${i + 1}`);
    const sent: string[] = [];
    for (const text of texts) {
      const reply = await alice.call<Answer>("send", { to: bob.deviceId, text });
      expect(reply.status).toBe(0);
      sent.push(reply.message_id);
    }
    await alice.call("close");
    await server.restart("SIGKILL");
    const bobMessages = bob.seen("message").length;
    const bobAuth = await bob.online(server.port);
    expect(bobAuth.queued).toBe(5);
    const delivered = (await bob.waitFor("message", () => true, bobMessages + 5)).slice(bobMessages);
    expect(delivered.map((m) => [m.message_id, m.text])).toEqual(sent.map((id, i) => [id, texts[i]]));
    await bob.waitFor("acked", (a) => a.ref === sent[4]);
    await bob.call("lookup", { deviceIds: [bob.deviceId] }); // answered after the acks before it are committed
    const aliceAuth = await alice.online(server.port);
    expect(aliceAuth.queued).toBe(5);
    const receipts = await alice.waitFor("receipt", (r) => sent.includes(r.ref as string), 5);
    expect(receipts.map((r) => [r.ref, r.status, r.signer])).toEqual(sent.map((ref) => [ref, 1, "device"]));
    await bob.call("close");
    expect((await bob.online(server.port)).queued).toBe(0);
    const receiptsSoFar = alice.seen("receipt").length;
    await alice.call("close");
    expect((await alice.online(server.port)).queued).toBe(0);
    await alice.call("timesync");
    expect(alice.seen("receipt")).toHaveLength(receiptsSoFar);
  });
});
