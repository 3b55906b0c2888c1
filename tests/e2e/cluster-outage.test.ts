import { afterAll, describe, expect, test } from "bun:test";
import { type ClusterInstance, startCluster, type TestCluster } from "../helpers/cluster.ts";
import { eventually } from "../helpers/daemon-instance.ts";
import {
  entryOf,
  type Peer,
  peer,
  type RawSession,
  rawSession,
  registeredDevice,
} from "../helpers/messaging-peers.ts";
import { postgresAvailable, startPostgres, stopPostgres } from "../helpers/postgres.ts";

const status = async (instance: ClusterInstance, path: string) =>
  (await fetch(`http://127.0.0.1:${instance.metricsPort}${path}`)).status;

describe.skipIf(!postgresAvailable())(
  "cluster mode: Postgres stops under a running instance, then comes back",
  () => {
    let cluster: TestCluster | undefined;
    const peers: Peer[] = [];
    const raws: RawSession[] = [];
    afterAll(async () => {
      for (const p of peers) p.client.close();
      for (const r of raws) r.session.close();
      await startPostgres().catch(() => {});
      await cluster?.stop();
    });

    test("sends get 500 and nothing is stored, /readyz 503, /healthz 200, the process stays; once Postgres is back it serves again without a restart", async () => {
      cluster = await startCluster(1);
      const instance = cluster.instances[0] as ClusterInstance;
      const at = cluster.at(instance.port);
      const [aliceKeys, bobKeys] = [await registeredDevice(at, "alice"), await registeredDevice(at, "bob")];
      const bob = peer(at, bobKeys);
      peers.push(bob);
      await bob.client.start();
      const bobEntry = await entryOf(bob.client, bobKeys);
      const alice = await rawSession(at, aliceKeys);
      raws.push(alice);
      const before = alice.send(bobEntry, "before");
      expect(await eventually(() => alice.accepted.includes(before), 10_000)).toBe(true);
      expect(await status(instance, "/readyz")).toBe(200);

      await stopPostgres("fast");
      const during = alice.send(bobEntry, "during");
      expect(
        await eventually(() => alice.refusals.length > 0 || alice.closedBy() !== undefined, 20_000),
      ).toBe(true);
      const refused = alice.refusals[0] ?? alice.closedBy();
      expect(refused?.code).toBe(500);
      expect(alice.accepted).not.toContain(during);
      expect(await eventually(async () => (await status(instance, "/readyz")) === 503, 15_000)).toBe(true);
      expect(await status(instance, "/healthz")).toBe(200);
      expect(instance.process.child.exitCode).toBeNull();

      await startPostgres();
      const restartedAtMs = Date.now();
      expect(await eventually(async () => (await status(instance, "/readyz")) === 200, 30_000)).toBe(true);
      const readyAfterMs = Date.now() - restartedAtMs;
      // The same session and send chain (a new chain could start below the last sequence bob saw).
      expect(alice.closedBy()).toBeUndefined();
      const after = alice.send(bobEntry, "after");
      expect(await eventually(() => alice.accepted.includes(after), 15_000)).toBe(true);
      const shown = () => bob.messages.map((m) => m.messageId);
      const delivered = await eventually(() => shown().includes(after), 30_000);
      const logged = instance.process
        .output()
        .split("\n")
        .filter((line) => / (WARN|ERROR) /.test(line));
      console.log(
        `Postgres down: ${refused?.code} (${refused?.message}); /readyz 200 ${readyAfterMs} ms after Postgres started; bob online ${bob.online}, offline ${bob.offline.map(String)}\n${logged.join("\n")}`,
      );
      expect(delivered).toBe(true);
      expect(shown()).toContain(before);
      expect(shown()).not.toContain(during);
      expect(instance.process.output()).not.toMatch(/\n[^\n]*(TypeError|ReferenceError| {4}at )/);
    }, 120_000);
  },
);
