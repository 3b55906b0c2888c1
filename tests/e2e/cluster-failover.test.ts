import { afterAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import type { DeviceKeys } from "../../src/client/device-messaging.ts";
import type { OutgoingMessage } from "../../src/client/messaging-client.ts";
import type { DirectoryEntry } from "../../src/protocol/directory.ts";
import { type ClusterInstance, startCluster, type TestCluster } from "../helpers/cluster.ts";
import { eventually } from "../helpers/daemon-instance.ts";
import { type Haproxy, haproxyBinary, startHaproxy } from "../helpers/haproxy.ts";
import {
  CONVERSATION,
  entryOf,
  metric,
  type Peer,
  peer,
  registeredDevice,
  scrape,
  textContent,
} from "../helpers/messaging-peers.ts";
import { postgresAvailable } from "../helpers/postgres.ts";
import { longestDoubleService } from "../helpers/served-once.ts";

const ready = postgresAvailable() && haproxyBinary() !== undefined;
const SENDERS = 3;
const PER_RECIPIENT = 60;

/** The instance holding `keys`' device lease now, read from the shared database. */
async function holderOf(url: string, keys: DeviceKeys): Promise<string | undefined> {
  const sql = new SQL({ url, max: 1 });
  try {
    const [row] =
      await sql`SELECT instance FROM leases WHERE device = ${keys.deviceId} AND instance IS NOT NULL`;
    return row?.instance as string | undefined;
  } finally {
    await sql.close();
  }
}

/** Each sender sends PER_RECIPIENT texts to each recipient, a few at a time; status 0s are collected. */
function storm(senders: Peer[], recipients: DirectoryEntry[]) {
  const sent = new Map<string, OutgoingMessage>();
  const accepted = new Set<string>();
  const run = async (sender: Peer, index: number) => {
    for (let i = 0; i < PER_RECIPIENT; i++) {
      for (const to of recipients) {
        const message = sender.client.send(to, textContent(`s${index} #${i}`), CONVERSATION);
        sent.set(message.messageId, message);
        message.accepted.then(
          () => accepted.add(message.messageId),
          () => {},
        );
      }
      await Bun.sleep(15);
    }
  };
  return { sent, accepted, done: Promise.all(senders.map(run)).then(() => {}) };
}

describe.skipIf(!ready)(
  "cluster mode: kill -9 of an instance during a send storm (three instances behind HAProxy)",
  () => {
    let cluster: TestCluster | undefined;
    let proxy: Haproxy | undefined;
    const peers: Peer[] = [];
    afterAll(async () => {
      for (const p of peers) p.client.close();
      await proxy?.stop();
      await cluster?.stop();
    });

    test("no acknowledged message is lost, and the killed instance's devices get their queues through the others", async () => {
      cluster = await startCluster(3);
      proxy = await startHaproxy(
        cluster.instances[0]?.dir ?? "/tmp",
        cluster.instances.map((i) => i.port),
      );
      const via = cluster.at(proxy.port);
      const users = [...Array.from({ length: SENDERS }, (_, i) => `sender${i}`), "bob", "carol"];
      const keys = await Promise.all(users.map((user) => registeredDevice(via, user)));
      const senders = keys.slice(0, SENDERS).map((k) => peer(via, k));
      const bob = peer(via, keys[SENDERS] as DeviceKeys);
      const carolKeys = keys[SENDERS + 1] as DeviceKeys;
      peers.push(...senders, bob);
      const rejected: string[] = [];
      bob.client.events.rejected = (r) => rejected.push(`bob:${r.reason}`);
      await Promise.all([...senders, bob].map((p) => p.client.start()));
      const first = (senders[0] as Peer).client;
      const entries = [await entryOf(first, bob.keys), await entryOf(first, carolKeys)];
      const total = SENDERS * PER_RECIPIENT * entries.length;

      const storming = storm(senders, entries);
      expect(await eventually(() => bob.messages.length >= (SENDERS * PER_RECIPIENT) / 3, 30_000)).toBe(true);
      const victimName = await holderOf(cluster.url, bob.keys);
      const victim = cluster.instances.find((i) => i.name === victimName) as ClusterInstance;
      expect(victim).toBeDefined();
      const killAtMs = Date.now();
      victim.process.child.kill("SIGKILL");
      await victim.process.child.exited;
      const acceptedAtKill = storming.accepted.size;
      await storming.done;

      expect(await eventually(() => storming.accepted.size === total, 60_000)).toBe(true);
      const carol = peer(via, carolKeys);
      peers.push(carol);
      await carol.client.start();
      const delivered = () => new Set([...bob.messages, ...carol.messages].map((m) => m.messageId));
      const all = await eventually(() => delivered().size === total, 20_000);
      if (!all) {
        const missingIds = [...storming.accepted].filter((id) => !delivered().has(id));
        console.log(
          JSON.stringify({ missing: missingIds.length, rejected, bobProblems: bob.problems.map(String) }),
        );
        for (const i of cluster.instances)
          console.log(
            i.name,
            i.process
              .output()
              .split("\n")
              .filter((l) => /WARN|ERROR/.test(l))
              .slice(-15)
              .join("\n"),
          );
      }
      expect(all).toBe(true);
      const missing = [...storming.accepted].filter((id) => !delivered().has(id));
      const strangers = [...delivered()].filter((id) => !storming.sent.has(id));
      expect({ missing, strangers }).toEqual({ missing: [], strangers: [] });
      const bobNow = await holderOf(cluster.url, bob.keys);
      expect(bobNow).toBeDefined();
      expect(bobNow).not.toBe(victimName);

      // The survivors end the dead instance's leases once it is silent for lease_expiry_secs (4 s here).
      const survivor = cluster.instances.find((i) => i !== victim) as ClusterInstance;
      const expired = async () =>
        (metric(await scrape(survivor.metricsPort), "norc_cluster_instances_alive") ?? 0) === 2;
      expect(await eventually(expired, 20_000)).toBe(true);
      // Never served by two instances at once but for the supersede: from every instance's session lines.
      const double = longestDoubleService(cluster.instances, new Map([[victim.name, killAtMs]]));
      expect(double.sessions).toBeGreaterThan(SENDERS + 2);
      expect(double.overlapMs).toBeLessThan(2_000);
      console.log(
        `kill -9 of ${victimName} (bob's instance) during a storm of ${total} messages: ${acceptedAtKill} status 0 before the kill, ` +
          `${total - acceptedAtKill} after; bob now on ${bobNow}; none missing; ${double.sessions} sessions, ` +
          `longest time a device was served by two instances: ${double.overlapMs} ms`,
      );
    }, 120_000);
  },
);
