import { afterAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import type { RejectedMessage } from "../../src/client/client-events.ts";
import type { DeviceKeys } from "../../src/client/device-messaging.ts";
import type { OutgoingMessage } from "../../src/client/messaging-client.ts";
import { toHex } from "../../src/protocol/bytes.ts";
import type { DirectoryEntry } from "../../src/protocol/directory.ts";
import { contentText } from "../../src/protocol/e2e-content.ts";
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

/** device (hex) -> [instance, epoch] of its lease now, from the shared database. */
async function leases(url: string): Promise<Map<string, [string, number]>> {
  const sql = new SQL({ url, max: 1 });
  try {
    const rows = await sql`SELECT encode(device, 'hex') AS device, instance, epoch FROM leases
      WHERE instance IS NOT NULL`;
    return new Map(
      rows.map((r: { device: string; instance: string; epoch: string }) => [
        r.device,
        [r.instance, Number(r.epoch)],
      ]),
    );
  } finally {
    await sql.close();
  }
}

/** Each sender sends PER_RECIPIENT texts to each recipient, a few at a time; status 0s are collected. */
function storm(senders: Peer[], recipients: DirectoryEntry[]) {
  const texts = new Map<string, string>();
  const sent = new Map<string, OutgoingMessage>();
  const accepted = new Set<string>();
  const run = async (sender: Peer, index: number) => {
    for (let i = 0; i < PER_RECIPIENT; i++) {
      for (const to of recipients) {
        const text = `s${index} #${i}`;
        const message = sender.client.send(to, textContent(text), CONVERSATION);
        sent.set(message.messageId, message);
        texts.set(message.messageId, text);
        message.accepted.then(
          () => accepted.add(message.messageId),
          () => {},
        );
      }
      await Bun.sleep(15);
    }
  };
  return { texts, sent, accepted, done: Promise.all(senders.map(run)).then(() => {}) };
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

    test("every status 0 is shown once, none discarded as stale; the killed instance's devices get their queues through the others, never served twice", async () => {
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
      const rejected: RejectedMessage[] = [];
      bob.client.events.rejected = (r) => rejected.push(r);
      // One by one through HAProxy's round robin: bob, then the senders; the third shares bob's instance.
      await bob.client.start();
      for (const sender of senders) await sender.client.start();
      const first = (senders[0] as Peer).client;
      const entries = [await entryOf(first, bob.keys), await entryOf(first, carolKeys)];
      const total = SENDERS * PER_RECIPIENT * entries.length;

      const storming = storm(senders, entries);
      expect(await eventually(() => bob.messages.length >= (SENDERS * PER_RECIPIENT) / 3, 30_000)).toBe(true);
      const before = await leases(cluster.url);
      const victimName = before.get(toHex(bob.keys.deviceId))?.[0];
      const victim = cluster.instances.find((i) => i.name === victimName) as ClusterInstance;
      expect(victim).toBeDefined();
      const onVictim = [...senders, bob].filter(
        (p) => before.get(toHex(p.keys.deviceId))?.[0] === victimName,
      );
      const killAtMs = Date.now();
      victim.process.child.kill("SIGKILL");
      await victim.process.child.exited;
      const acceptedAtKill = storming.accepted.size;
      await storming.done;

      expect(await eventually(() => storming.accepted.size === total, 60_000)).toBe(true);
      const carol = peer(via, carolKeys);
      peers.push(carol);
      carol.client.events.rejected = (r) => rejected.push(r);
      await carol.client.start();
      const shown = () => [...bob.messages, ...carol.messages];
      const all = await eventually(() => shown().length + rejected.length >= total, 20_000);
      await Promise.all([bob.client.idle(), carol.client.idle()]);

      // Shown exactly as sent: every status 0 once, with its text, to its recipient; nothing discarded.
      const byId = new Map(shown().map((m) => [m.messageId, m]));
      const wrong = [...storming.accepted].filter((id) => {
        const message = byId.get(id);
        const recipient = storming.sent.get(id)?.recipientId;
        const to = message === undefined ? undefined : bob.messages.includes(message) ? bob : carol;
        return (
          message === undefined ||
          contentText(message.content) !== storming.texts.get(id) ||
          toHex(to?.keys.deviceId ?? new Uint8Array()) !== recipient
        );
      });
      const stale = rejected.map((r) => `${storming.texts.get(r.messageId)}: ${r.reason}`);
      expect({ all, stale, wrong: wrong.length, shown: shown().length }).toEqual({
        all: true,
        stale: [],
        wrong: 0,
        shown: total,
      });
      expect(byId.size).toBe(total);

      // The killed instance's devices (bob and the senders on it) now hold a lease on a survivor,
      // whose epoch counts their authentications: no other session of theirs took one.
      const after = await leases(cluster.url);
      expect(onVictim).toContain(bob);
      expect(onVictim.length).toBeGreaterThan(1);
      for (const p of [...onVictim, carol]) {
        const [holder, epoch] = after.get(toHex(p.keys.deviceId)) ?? [];
        expect(holder).toBeDefined();
        expect(holder).not.toBe(victimName);
        expect(epoch).toBe(p.online);
      }
      expect(bob.online).toBe(2);

      // Never two instances at once: a survivor that served a device whose lease moved would have
      // closed that session with 203 (its fenced queue reads are refused); none did, and each
      // survivor holds exactly the leases of its sessions (leases table), one per connected client.
      const survivors = cluster.instances.filter((i) => i !== victim);
      const expired = async () =>
        (metric(
          await scrape((survivors[0] as ClusterInstance).metricsPort),
          "norc_cluster_instances_alive",
        ) ?? 0) === 2;
      expect(await eventually(expired, 20_000)).toBe(true);
      const held = [...(await leases(cluster.url)).values()].map(([instance]) => instance);
      const figures = await Promise.all(
        survivors.map(async (i) => {
          const text = await scrape(i.metricsPort);
          return {
            superseded: metric(text, "norc_cluster_superseded_total"),
            sessions: metric(text, "norc_sessions_authenticated") ?? -1,
            leases: held.filter((instance) => instance === i.name).length,
          };
        }),
      );
      expect(figures.map((f) => f.superseded)).toEqual([0, 0]);
      expect(figures.map((f) => f.leases)).toEqual(figures.map((f) => f.sessions));
      expect(figures.reduce((sum, f) => sum + f.sessions, 0)).toBe(peers.length);
      // And directly, from every instance's session start and end lines (the victim's end at the kill).
      const double = longestDoubleService(cluster.instances, new Map([[victim.name, killAtMs]]));
      expect(double.sessions).toBeGreaterThan(peers.length);
      expect(double.overlapMs).toBeLessThan(2_000);
      console.log(
        `kill -9 of ${victimName} (bob's instance, ${onVictim.length} of ${SENDERS + 1} online devices) during a storm of ${total} messages: ` +
          `${acceptedAtKill} status 0 before the kill, ${total - acceptedAtKill} after; all ${total} shown once, 0 stale; ` +
          `bob now on ${after.get(toHex(bob.keys.deviceId))?.[0]} (epoch 2); survivors superseded 0, leases = sessions ${JSON.stringify(figures.map((f) => f.sessions))}; ` +
          `longest time a device was served by two instances at once: ${double.overlapMs} ms`,
      );
    }, 120_000);
  },
);
