import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { freePort } from "../helpers/binary.ts";
import {
  cleanupInstances,
  cli,
  eventually,
  instanceDir,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";
import { device, sendWork } from "../unit/store/store-fixtures.ts";

afterEach(cleanupInstances);

async function promtool(text: string): Promise<{ exitCode: number; output: string }> {
  const child = Bun.spawn(["promtool", "check", "metrics"], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  child.stdin.write(text);
  await child.stdin.end();
  const [out, err, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, output: out + err };
}

describe.each([
  ["without a supervisor", ""],
  ["with a supervisor", "auto_restart = true\n"],
])("the store in status and /metrics %s", (_name, daemonExtra) => {
  test("status shows size, limit, queues, devices and backups; /metrics has them, promtool-clean", async () => {
    const dir = instanceDir("norc-store-status-");
    const metricsPort = await freePort();
    writeInstanceConfig(dir, await freePort(), daemonExtra);
    const config = join(dir, "config.toml");
    writeFileSync(
      config,
      `${readFileSync(config, "utf8")}\n[metrics]\nenabled = true\nbind_address = "127.0.0.1"\nport = ${metricsPort}\n`,
    );
    const store = SqliteStore.open(join(dir, "data"));
    await store.commit({
      writes: [
        { type: "putDevice", device: device(1) },
        { type: "putDevice", device: device(2) },
        { type: "putDevice", device: device(3, "bob", { state: "suspended" }) },
      ],
    });
    await Promise.all(
      Array.from({ length: 30 }, (_, n) => store.commit(sendWork(n + 1, 1, 2, { size: 1000 }))),
    );
    await store.close();

    expect((await cli(dir, "-c", "config.toml", "start", "-d")).exitCode).toBe(0);
    expect((await cli(dir, "-c", "config.toml", "backup")).exitCode).toBe(0);
    const text = (await cli(dir, "-c", "config.toml", "status")).stdout;
    expect(text).toMatch(/ {2}store: {7}\S+norc\.db, [\d.]+ MiB of 10240\.0 MiB \(0 %\)/);
    expect(text).toContain("  queued:      30 entries, 0.0 MiB, oldest");
    expect(text).toContain("  devices:     2 active, 1 suspended");
    expect(text).toMatch(/ {2}backups: {5}last \S+ ok \([\d.]+ MiB\), [\d.]+ MiB kept/);
    const json = JSON.parse((await cli(dir, "-c", "config.toml", "status", "--json")).stdout);
    expect(json.store).toMatchObject({
      queueEntries: 30,
      queueBytes: 30_000,
      devices: { active: 2, suspended: 1, registered: 0, revoked: 0 },
      backups: { okTotal: 1, lastOutcome: "ok" },
    });

    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    let metrics = "";
    expect(
      await eventually(async () => {
        metrics = await (await fetch(url)).text();
        return metrics.includes('norc_backups_total{result="ok"} 1');
      }, 10_000),
    ).toBe(true);
    expect(metrics).toContain("norc_queue_entries 30\n");
    expect(metrics).toContain("norc_queue_bytes 30000\n");
    expect(metrics).toContain('norc_devices{state="suspended"} 1\n');
    expect(metrics).toMatch(/norc_store_limit_bytes 10737418240\n/);
    expect(await promtool(metrics)).toEqual({ exitCode: 0, output: "" });
    expect((await cli(dir, "-c", "config.toml", "stop")).exitCode).toBe(0);
  }, 60_000);
});
