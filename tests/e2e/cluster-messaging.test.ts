import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { toHex } from "../../src/protocol/bytes.ts";
import { startCluster, type TestCluster } from "../helpers/cluster.ts";
import { eventually } from "../helpers/daemon-instance.ts";
import { type Haproxy, haproxyBinary, startHaproxy } from "../helpers/haproxy.ts";
import {
  CONVERSATION,
  entryOf,
  metric,
  type Peer,
  peer,
  rawSession,
  registeredDevice,
  scrape,
  textContent,
} from "../helpers/messaging-peers.ts";
import { postgresAvailable } from "../helpers/postgres.ts";
import { longestDoubleService } from "../helpers/served-once.ts";

const ready = postgresAvailable() && haproxyBinary() !== undefined;

describe.skipIf(!ready)(
  "cluster mode: two instances on one Postgres, behind HAProxy and addressed directly",
  () => {
    let cluster: TestCluster;
    let proxy: Haproxy;
    const peers: Peer[] = [];
    beforeAll(async () => {
      cluster = await startCluster(2);
      proxy = await startHaproxy(
        cluster.instances[0]?.dir ?? "/tmp",
        cluster.instances.map((i) => i.port),
      );
    }, 60_000);
    afterAll(async () => {
      for (const p of peers) p.client.close();
      await proxy?.stop();
      await cluster?.stop();
    });

    const nth = (n: number) => {
      const instance = cluster.instances[n];
      if (instance === undefined) throw new Error(`no instance ${n + 1}`);
      return instance;
    };
    const [one, two] = [() => nth(0), () => nth(1)];
    const started = async (keys: Awaited<ReturnType<typeof registeredDevice>>, port: number) => {
      const made = peer(cluster.at(port), keys);
      peers.push(made);
      await made.client.start();
      return made;
    };

    test("a device on instance 1 sends to one on instance 2: live, and offline (then online through HAProxy)", async () => {
      const alice = await started(await registeredDevice(cluster.at(one().port), "alice"), one().port);
      const bobKeys = await registeredDevice(cluster.at(two().port), "bob");
      const bob = await started(bobKeys, two().port);
      const carolKeys = await registeredDevice(cluster.at(proxy.port), "carol");
      const live = alice.client.send(await entryOf(alice.client, bobKeys), textContent("live"), CONVERSATION);
      await live.accepted;
      expect(await eventually(() => bob.messages.length === 1, 10_000)).toBe(true);
      const queued = alice.client.send(
        await entryOf(alice.client, carolKeys),
        textContent("queued"),
        CONVERSATION,
      );
      await queued.accepted;
      const carol = await started(carolKeys, proxy.port);
      expect(await eventually(() => carol.messages.length === 1, 10_000)).toBe(true);
      expect([bob.messages[0]?.messageId, carol.messages[0]?.messageId]).toEqual([
        live.messageId,
        queued.messageId,
      ]);
    }, 30_000);

    test("authenticating on the other instance supersedes the old session with 203", async () => {
      const keys = await registeredDevice(cluster.at(one().port), "dave");
      const first = await rawSession(cluster.at(one().port), keys);
      const second = await rawSession(cluster.at(two().port), keys);
      expect(await eventually(() => first.closedBy() !== undefined, 10_000)).toBe(true);
      expect(first.closedBy()?.code).toBe(203);
      expect(second.closedBy()).toBeUndefined();
      // From both instances' session lines: dave was served twice only while the old session closed.
      const ended = `NCP-1 session ended device=${toHex(keys.deviceId)}`;
      expect(await eventually(() => one().process.output().includes(ended), 5_000)).toBe(true);
      const double = longestDoubleService(cluster.instances);
      expect(double.device).toBe(toHex(keys.deviceId));
      expect(double.overlapMs).toBeLessThan(2_000);
      console.log(`supersede across instances: served by both for ${double.overlapMs} ms`);
      second.session.close();
    }, 30_000);

    test("status and /metrics show the cluster: the instance, its peer alive, leases held; /readyz is 200", async () => {
      const status = await one().cli("status");
      expect(status.exitCode).toBe(0);
      expect(status.stdout).toContain("cluster:     instance i1, store reachable");
      expect(status.stdout).toMatch(/peers: {7}i2 \(/);
      const json = JSON.parse((await one().cli("status", "--json")).stdout);
      expect(json.store.cluster.instance).toBe("i1");
      // /metrics serves a snapshot at most 5 s old (a scrape never waits on SQL)
      const alive = async () => metric(await scrape(two().metricsPort), "norc_cluster_instances_alive") === 2;
      expect(await eventually(alive, 10_000)).toBe(true);
      expect(metric(await scrape(two().metricsPort), "norc_cluster_store_reachable")).toBe(1);
      expect((await fetch(`http://127.0.0.1:${two().metricsPort}/readyz`)).status).toBe(200);
    }, 30_000);

    test("`device suspend` run where no instance runs closes the session on the instance holding it (303)", async () => {
      const keys = await registeredDevice(cluster.at(two().port), "erin");
      const session = await rawSession(cluster.at(two().port), keys);
      const suspended = await cluster.admin("device", "suspend", toHex(keys.deviceId));
      expect(suspended.exitCode).toBe(0);
      expect(await eventually(() => session.closedBy() !== undefined, 10_000)).toBe(true);
      // 303 is no closing code on the client's side: the error frame arrives as a refusal, then the close
      expect(session.refusals.map((error) => error.code)).toEqual([303]);
    }, 30_000);
  },
);
