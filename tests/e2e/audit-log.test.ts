import { afterEach, expect, test } from "bun:test";
import { chmodSync, chownSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  cleanupInstances,
  cli,
  eventually,
  withInstance,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";
import { connectClient } from "../helpers/tcp-client.ts";

afterEach(cleanupInstances);

const logOf = (dir: string) => readFileSync(join(dir, "server.log"), "utf8");

// Issue 12, "Audit trail": the privilege drop, a stop asked over the control channel and refusals
// at max_connections (rate-limited) are logged at info/warn, not debug.
test("refusals at max_connections: one WARN line, then one summary with the count; a control-channel stop is logged", async () => {
  await withInstance("norc-audit-", async (dir, port) => {
    writeInstanceConfig(dir, port);
    const config = join(dir, "config.toml");
    await Bun.write(config, readFileSync(config, "utf8").replace("[tls]", "max_connections = 1\n\n[tls]"));
    expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
    const kept = await connectClient(port);
    try {
      for (let i = 0; i < 5; i++) {
        const refused = await connectClient(port).catch(() => undefined);
        await refused?.closed;
      }
      const warned = () =>
        /WARN norc_server: refused connection from 127\.0\.0\.1:\d+: max_connections \(1\) reached/.test(
          logOf(dir),
        );
      expect(await eventually(warned, 5000)).toBe(true);
    } finally {
      kept.socket.end();
    }
    expect((await cli(dir, "stop")).exitCode).toBe(0);
    const log = logOf(dir);
    expect(log.match(/WARN norc_server: refused connection from/g)).toHaveLength(1);
    expect(log).toMatch(
      /WARN norc_server: 4 more connections refused at max_connections in the last 10 s \(last: refused connection from 127\.0\.0\.1:\d+: max_connections \(1\) reached\)/,
    );
    expect(log).toMatch(/ INFO norc_server: stop requested over the control channel \(graceful\)/);
  });
}, 60_000);

const isRoot = process.getuid?.() === 0;

test.skipIf(!isRoot || process.platform !== "linux")(
  "the privilege drop is logged at INFO with the user, uid and gid",
  async () => {
    await withInstance("norc-audit-", async (dir, port) => {
      const uid = Number(Bun.spawnSync(["id", "-u", "nobody"]).stdout.toString());
      const gid = Number(Bun.spawnSync(["id", "-g", "nobody"]).stdout.toString());
      // The log's directory is the user's: rotation creates files there after the switch.
      chmodSync(dir, 0o755);
      chownSync(dir, uid, gid);
      writeInstanceConfig(dir, port, 'user = "nobody"\n');
      expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
      const line = `INFO norc_server: dropped root privileges: serving as user nobody (uid ${uid}, gid ${gid})`;
      expect(await eventually(() => logOf(dir).includes(line), 5000)).toBe(true);
      expect((await cli(dir, "stop")).exitCode).toBe(0);
    });
  },
  60_000,
);
