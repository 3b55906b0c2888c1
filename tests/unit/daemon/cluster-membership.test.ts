import { expect, test } from "bun:test";
import { ClusterMembership } from "../../../src/daemon/cluster-membership.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";
import { FakeLeases } from "../relay/fake-cluster.ts";
import { id } from "../store/store-fixtures.ts";

test("membership: own old leases cleared at start, dead peers' leases expired, outage logged once each way", async () => {
  const leases = new FakeLeases();
  let now = 1_000_000;
  await leases.takeLease(id(1), "a", now); // left by a's previous run
  await leases.heartbeat("b", now);
  await leases.takeLease(id(2), "b", now);
  const logger = memoryLogger();
  const member = new ClusterMembership({
    leases,
    instance: "a",
    heartbeatIntervalMs: 1_000,
    leaseExpiryMs: 3_000,
    logger,
    clock: () => now,
  });
  await member.start();
  expect(await leases.getLease(id(1))).toBeUndefined();
  expect((await member.view()).alive.map((record) => record.name).sort()).toEqual(["a", "b"]);
  now += 4_000;
  await member.beat();
  expect(await leases.getLease(id(2))).toBeUndefined();
  const view = await member.view();
  expect([view.alive.map((record) => record.name), view.expiredLeases]).toEqual([["a"], 1]);
  leases.failing = true;
  await member.beat();
  await member.beat();
  expect(member.reachable).toBe(false);
  leases.failing = false;
  await member.beat();
  expect(member.reachable).toBe(true);
  const text = logger.lines.join("\n");
  expect(text.match(/heartbeat failed/g)).toHaveLength(1);
  expect(text).toContain("answers again");
  await member.stop();
});
