import { afterEach, expect, test } from "bun:test";
import {
  accepts,
  cleanupInstances,
  cli,
  isRunning,
  pidFromFile,
  withInstance,
  writeInstanceConfig,
} from "../helpers/daemon-instance.ts";

afterEach(cleanupInstances);

// Issue 12, defect 8: a mistyped -c made stop/status/reload use the default PID file and say
// "not running" (exit 0 for stop) while the server ran.
test("a -c file that does not exist is an error for every command, and the running server is untouched", async () => {
  await withInstance("norc-named-config-", async (dir, port) => {
    writeInstanceConfig(dir, port);
    expect((await cli(dir, "start", "-d", "-c", "config.toml")).exitCode).toBe(0);
    const pid = pidFromFile(dir) ?? 0;
    const missing = `config file "conifg.toml" (${dir}/conifg.toml) not found (ENOENT)`;
    for (const command of ["stop", "status", "reload", "restart", "validate-config", "start"]) {
      const result = await cli(dir, command, "-c", "conifg.toml");
      expect({ command, exitCode: result.exitCode }).toEqual({ command, exitCode: 78 });
      expect(result.stderr).toContain('config file "conifg.toml"');
      expect(result.stderr).toContain("not found (ENOENT)");
      expect(result.stdout).toBe("");
    }
    const stop = await cli(dir, "stop", "-c", "conifg.toml");
    expect(stop.stderr).toBe(
      `error: ${missing}: give the -c FILE the server was started with: its daemon.pid_file names the instance\n`,
    );
    const probe = await cli(dir, "probe", `127.0.0.1:${port}`, "--plain", "-c", "conifg.toml");
    expect(probe.exitCode).toBe(78);
    expect(probe.stderr).toContain(missing);
    expect(isRunning(pid)).toBe(true);
    expect(await accepts(port)).toBe(true);
    expect((await cli(dir, "stop", "-c", "config.toml")).exitCode).toBe(0);
    expect(isRunning(pid)).toBe(false);
  });
}, 90_000);
