import { afterAll, describe, expect, test } from "bun:test";
import type { NcpClientError } from "../../../src/client/client-error.ts";
import { composeMessage, deviceKeys } from "../../../src/client/device-messaging.ts";
import { openDeviceSession, registerDevice } from "../../../src/client/open-session.ts";
import { MemoryTrustStore } from "../../../src/client/trust-store.ts";
import type { AckBody } from "../../../src/protocol/ack.ts";
import { randomBytes, toHex, utf8 } from "../../../src/protocol/bytes.ts";
import { DeviceState, type DirectoryEntry } from "../../../src/protocol/directory.ts";
import { FrameType } from "../../../src/protocol/header.ts";
import { SendChain } from "../../../src/protocol/send-chain.ts";
import { FakeNcpServer } from "../../helpers/fake-ncp-server.ts";
import { listenNcp } from "../../helpers/ncp-listener.ts";
import { until } from "../../helpers/until.ts";
import { testIdentity } from "../session/session-helpers.ts";

const servers: FakeNcpServer[] = [];
afterAll(() => {
  for (const server of servers) server.stop();
});

function fake(options: ConstructorParameters<typeof FakeNcpServer>[0] = {}) {
  const server = new FakeNcpServer(options);
  servers.push(server);
  const target = { host: "127.0.0.1", port: server.port, trustStore: new MemoryTrustStore() };
  return { server, target };
}

const timing = { requestTimeoutMs: 2_000, pingIntervalMs: 60_000 };
const text = (t: string) => ({ contentType: 1, metadata: [], body: utf8(t) });

describe("a device session against a server that follows NCP-1", () => {
  test("register (open: active, approval: pending), then authenticate with the 0x04's limits", async () => {
    const { server, target } = fake({ policy: "open", messageLimit: 77 });
    const alice = deviceKeys(randomBytes(32));
    const registered = await registerDevice(target, alice, { userId: "alice", deviceInfo: "test" }, timing);
    expect(registered.outcome).toBe("active");
    expect(server.relay.devices.get(toHex(alice.deviceId))?.userId).toBe("alice");
    const session = await openDeviceSession(target, alice, timing);
    const limits = await session.authenticate();
    expect(limits.messageLimit).toBe(77);
    expect(limits.queued).toBe(0);
    expect(server.relay.sessions.has(toHex(alice.deviceId))).toBe(true);
    session.close();
    const pending = fake({ policy: "approval" });
    const later = await registerDevice(pending.target, alice, { userId: "alice", deviceInfo: "" }, timing);
    expect([later.outcome, later.info.identityCheck]).toEqual(["pending", "first-use"]);
  });

  test("closed registration: 303 registration_closed, and an unknown device's 0x03 is 201", async () => {
    const { target } = fake({ policy: "closed" });
    const keys = deviceKeys(randomBytes(32));
    const refused = (await registerDevice(target, keys, { userId: "x", deviceInfo: "" }, timing).catch(
      (e) => e,
    )) as NcpClientError;
    expect([refused.code, refused.details.reason]).toEqual([303, "registration_closed"]);
    const session = await openDeviceSession(target, keys, timing);
    const unknown = (await session.authenticate().catch((e) => e)) as NcpClientError;
    expect(unknown.code).toBe(201);
    expect(session.connection.endedBy()?.code).toBe(201);
  });

  test("directory kinds 0 and 1, a send answered by status 0, its delivery and the relayed ack", async () => {
    const { server, target } = fake();
    const alice = deviceKeys(randomBytes(32));
    const bob = deviceKeys(randomBytes(32));
    server.relay.addDevice(alice.publicKey, "alice");
    server.relay.addDevice(bob.publicKey, "bob");
    const a = await openDeviceSession(target, alice, timing);
    const b = await openDeviceSession(target, bob, timing);
    const delivered: Uint8Array[] = [];
    const acksAtAlice: AckBody[] = [];
    b.handlers.delivery = (inner) => delivered.push(inner);
    a.handlers.ack = (ack) => acksAtAlice.push(ack);
    await a.authenticate();
    await b.authenticate();
    const [bobEntry] = (await a.lookup({ kind: 0, userId: "bob" })) as [DirectoryEntry];
    expect(bobEntry?.state).toBe(DeviceState.active);
    expect(await a.lookup({ kind: 1, deviceIds: [randomBytes(32), bob.deviceId] })).toHaveLength(1);
    const message = composeMessage(alice, bobEntry, {
      conversation: randomBytes(32),
      content: text("hi"),
      chain: new SendChain(),
      pad: "PAD-PROFILE-1",
    });
    a.send(message.inner);
    await until(() => acksAtAlice.length > 0 && delivered.length > 0, "the ack and the delivery");
    expect(acksAtAlice.map((ack) => [ack.status, toHex(ack.refMessageId)])).toEqual([
      [0, toHex(message.messageId)],
    ]);
    expect(delivered.map((inner) => toHex(inner.subarray(16, 48)))).toEqual([toHex(message.messageId)]);
    expect(server.received(FrameType.send)).toHaveLength(1);
    a.close();
    b.close();
  });
});

describe("a request on a session that has ended", () => {
  // The storm of scripts/faults/server-kill.ts found it: a request written to a connection that
  // had just ended left its reply waiting, and its timeout later rejected a promise nobody held.
  test("rejects with kind closed at once and leaves no timeout to reject later", async () => {
    const { target } = fake({ policy: "open" });
    const keys = deviceKeys(randomBytes(32));
    await registerDevice(target, keys, { userId: "alice", deviceInfo: "" }, timing);
    const session = await openDeviceSession(target, keys, { requestTimeoutMs: 50, pingIntervalMs: 60_000 });
    await session.authenticate();
    session.close();
    await session.connection.closed;
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      const lookup = (async () => session.lookup({ kind: 1, deviceIds: [keys.deviceId] }))();
      const failed = (await lookup.catch((e) => e)) as NcpClientError;
      expect(failed.kind).toBe("closed");
      await Bun.sleep(200); // past requestTimeoutMs: a waiter left behind would reject now
    } finally {
      process.off("unhandledRejection", listener);
    }
    expect(unhandled.map(String)).toEqual([]);
  });
});

describe("a device session against today's server session (registration closed, no devices)", () => {
  test("0x02 gets 303 registration_closed and 0x03 gets 201, each closing the connection", async () => {
    const listener = listenNcp(testIdentity());
    try {
      const target = { host: "127.0.0.1", port: listener.port, trustStore: new MemoryTrustStore() };
      const keys = deviceKeys(randomBytes(32));
      const refused = (await registerDevice(target, keys, { userId: "alice", deviceInfo: "" }, timing).catch(
        (e) => e,
      )) as NcpClientError;
      expect([refused.kind, refused.code, refused.details.reason]).toEqual([
        "server",
        303,
        "registration_closed",
      ]);
      const session = await openDeviceSession(target, keys, timing);
      const unknown = (await session.authenticate().catch((e) => e)) as NcpClientError;
      expect([unknown.code, unknown.details.ref?.length]).toEqual([201, 64]);
      await session.connection.closed;
    } finally {
      listener.stop(true);
    }
  });
});
