import { afterEach, expect, test } from "bun:test";
import { deviceKeys } from "../../src/client/device-messaging.ts";
import { registerDevice } from "../../src/client/open-session.ts";
import { randomBytes } from "../../src/protocol/bytes.ts";
import { cleanupInstances, cli, eventually, instanceDir } from "../helpers/daemon-instance.ts";
import { rawSession, registeredDevice, startMessagingInstance } from "../helpers/messaging-peers.ts";

afterEach(cleanupInstances);

test("reload applies [limits] and [registration] live: a lowered messages_per_minute holds an open session, new registrations meet the new policy", async () => {
  const instance = await startMessagingInstance(instanceDir("norc-msg-reload-"), {
    limits: { messages_per_minute: 600, messages_burst: 100 },
  });
  const aliceKeys = await registeredDevice(instance.server, "alice");
  const bobKeys = await registeredDevice(instance.server, "bob");
  const alice = await rawSession(instance.server, aliceKeys);
  try {
    const [toBob] = await alice.session.lookup({ kind: 1, deviceIds: [bobKeys.deviceId] });
    if (toBob === undefined) throw new Error("bob is not in the directory");
    const before = [1, 2, 3].map((i) => alice.send(toBob, `before ${i}`));
    expect(await eventually(() => alice.accepted.length === 3, 10_000)).toBe(true);

    await instance.configure({
      limits: { messages_per_minute: 1, messages_burst: 2 },
      registration: { policy: "closed" },
    });
    const reload = await cli(instance.dir, "reload");
    expect(reload.exitCode).toBe(0);
    expect(reload.stdout).toContain("limits.messages_per_minute");
    expect(reload.stdout).toContain("registration.policy");

    // the changed bucket starts full at its new burst (2); the third send waits a whole token: 60 s
    const after = [1, 2, 3].map((i) => alice.send(toBob, `after ${i}`));
    expect(await eventually(() => alice.accepted.length === 5 && alice.refusals.length === 1, 10_000)).toBe(
      true,
    );
    expect(alice.accepted).toEqual([...before, ...after.slice(0, 2)]);
    const [refusal] = alice.refusals;
    expect([refusal?.code, refusal?.retryAfterSecs, refusal?.details.limit, refusal?.details.ref]).toEqual([
      502,
      60,
      "messages",
      after[2],
    ]);
    expect(alice.closedBy()).toBeUndefined();

    const carol = deviceKeys(randomBytes(32));
    const refused = await registerDevice(instance.server, carol, {
      userId: "carol",
      deviceInfo: "test",
    }).then(
      () => undefined,
      (error: { code?: number; details?: { reason?: string } }) => [error.code, error.details?.reason],
    );
    expect(refused).toEqual([303, "registration_closed"]);
  } finally {
    alice.session.close();
  }
  const aliceHex = Buffer.from(aliceKeys.deviceId).toString("hex");
  const starts = instance
    .log()
    .filter((line) => line.message === "NCP-1 session started" && line.device === aliceHex);
  expect(starts).toHaveLength(1);
}, 60_000);
