import { describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Answer, AuthResult } from "../helpers/independent-agent.ts";
import { Devices, refused, sent, serverWith } from "../helpers/messaging-devices.ts";

/**
 * Session and queue lifecycle of NCP-1 §§6–8 on the compiled server, driven by the independent
 * client: supersede with re-push, revocation by 0x05 and by the operator's `device revoke|suspend`
 * on the running server, presence audience and the offline notice, directory states. Expiry and
 * timeouts: messaging-expiry.test.ts; caps, quota and rate limits: messaging-limits.test.ts.
 */
setDefaultTimeout(30_000);
const devices = new Devices();

describe("sessions: supersede, revocation, suspension, presence, directory", () => {
  const server = serverWith("[limits]\nregistrations_burst = 100\n");

  test("supersede: the old session gets 203 superseded, unacked entries are pushed again on the new one, no offline notice", async () => {
    const alice = await devices.online(server(), "alice");
    const bob1 = await devices.agent("bob");
    await bob1.connect(server().port);
    expect((await bob1.call<Answer>("register", { user: "bob" })).status).toBe(0);
    const bob1Auth = await bob1.call<AuthResult>("auth");
    await bob1.call("autoack", { on: false });
    const ids = [await sent(alice, bob1, "m1"), await sent(alice, bob1, "m2"), await sent(alice, bob1, "m3")];
    await bob1.waitFor("message", () => true, 3);
    await bob1.call("ack", { ref: ids[0], target: alice.deviceId });
    await bob1.call("lookup", { deviceIds: [bob1.deviceId] }); // answered after the ack's commit
    const { seed } = await bob1.call<{ seed: string }>("identity");
    const bob2 = await devices.agent("bob-again", seed);
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
    const phone = await devices.online(server(), "carol", "carol-phone");
    const laptop = await devices.online(server(), "carol", "carol-laptop");
    const dave = await devices.online(server(), "dave");
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
    const erin = await devices.online(server(), "erin");
    const frank = await devices.online(server(), "frank");
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
    const gina = await devices.online(server(), "gina");
    const hank = await devices.online(server(), "hank");
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
    const ivy = await devices.online(server(), "ivy");
    const jack = await devices.online(server(), "jack");
    const stranger = await devices.online(server(), "kim");
    const late = await devices.offline(server(), "lou");
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
