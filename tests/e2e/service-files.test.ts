import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BINARY, tempDir } from "../helpers/binary.ts";
import { hasTool } from "../helpers/tools.ts";

const examples = resolve(import.meta.dir, "../../examples");
const hasSystemdAnalyze = hasTool("systemd-analyze", "systemd-analyze verify of the unit files");
const python = hasTool("python3", "the launchd plist check (python3 plistlib)") ? "python3" : null;

describe("service files in examples/", () => {
  test.skipIf(!hasSystemdAnalyze).each(["norc-server.service", "norc-server-recommended.service"])(
    "systemd-analyze verify accepts %s (binary path pointed at the built binary)",
    (name) => {
      const dir = tempDir("norc-unit-");
      try {
        const unit = readFileSync(join(examples, name), "utf8").replaceAll(
          "/usr/local/bin/norc-server",
          BINARY,
        );
        const path = join(dir.path, "norc-server.service");
        writeFileSync(path, unit);
        const result = Bun.spawnSync(["systemd-analyze", "verify", path], { stdout: "pipe", stderr: "pipe" });
        expect(result.stderr.toString() + result.stdout.toString()).toBe("");
        expect(result.exitCode).toBe(0);
      } finally {
        dir.cleanup();
      }
    },
  );

  test("the recommended unit runs the server in the foreground with Type=notify and a watchdog", () => {
    const unit = readFileSync(join(examples, "norc-server-recommended.service"), "utf8");
    expect(unit).toMatch(/^Type=notify$/m);
    expect(unit).toMatch(/^NotifyAccess=main$/m);
    expect(unit).toMatch(/^WatchdogSec=\d+$/m);
    expect(unit).toMatch(/^ExecStart=\S+ start --config \S+$/m);
  });

  test("the seed unit forks and follows the PID file the production config names", () => {
    const unit = readFileSync(join(examples, "norc-server.service"), "utf8");
    expect(unit).toContain("Type=forking");
    expect(unit).toMatch(/ExecStart=.* --daemon$/m);
    const pidFile = unit.match(/^PIDFile=(.*)$/m)?.[1];
    const production = readFileSync(join(examples, "config-production.toml"), "utf8");
    expect(production).toContain(`pid_file = "${pidFile}"`);
  });

  test.skipIf(python === null)(
    "the launchd plist parses (python3 plistlib) and runs start in the foreground",
    () => {
      const script = "import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],'rb'))))";
      const plist = JSON.parse(
        execFileSync(python ?? "python3", [
          "-c",
          script,
          join(examples, "com.navatron.norc-server.plist"),
        ]).toString(),
      );
      expect(plist.Label).toBe("com.navatron.norc-server");
      expect(plist.ProgramArguments).toEqual([
        "/usr/local/bin/norc-server",
        "start",
        "--config",
        "/usr/local/etc/norc-server/config.toml",
      ]);
      expect(plist.KeepAlive).toEqual({ SuccessfulExit: false });
    },
  );
});
