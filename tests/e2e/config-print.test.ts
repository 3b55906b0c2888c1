import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseTOML } from "confbox";
import { cleanEnv, runBinary, tempDir } from "../helpers/binary.ts";

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  dir = tempDir("norc-print-");
  writeFileSync(
    join(dir.path, "my.toml"),
    '# a comment\n[network]\nport = 9000\nmax_connections = 5\n\n[logging]\nfile = ""\nformat = "json"\n',
  );
});
afterAll(() => dir.cleanup());

function print(args: string[], env: Record<string, string> = {}) {
  return runBinary(["validate-config", ...args, "--print"], { cwd: dir.path, env: cleanEnv(env) });
}

// Issue 12, "The effective config": like `nginx -T`, the merged configuration with the source of each value.
test("validate-config --print shows every key with its value and source: default, file:line, env, flag", async () => {
  const result = await print(["-c", "my.toml", "-l", "debug"], { NORC_NETWORK_BIND_ADDRESS: "127.0.0.1" });
  expect(result.exitCode).toBe(0);
  const lines = result.stdout.split("\n");
  expect(lines[0]).toBe(
    "# my.toml: OK: listen 127.0.0.1:9000, TLS on (generated self-signed certificate, min 1.3), log to stdout (json, debug)",
  );
  const row = (key: string) => lines.find((line) => line.startsWith(`${key} = `))?.replace(/ {2,}/, " ");
  expect(row("bind_address")).toBe('bind_address = "127.0.0.1" # env NORC_NETWORK_BIND_ADDRESS');
  expect(row("port")).toBe("port = 9000 # file my.toml:3");
  expect(row("max_connections")).toBe("max_connections = 5 # file my.toml:4");
  expect(row("level")).toBe('level = "debug" # flag --log-level');
  expect(row("format")).toBe('format = "json" # file my.toml:8');
  expect(row("file")).toBe('file = "" # default (unset)');
  expect(row("data_dir")).toBe(`data_dir = "${join(dir.path, "data")}" # default`);
  expect(row("min_version")).toBe('min_version = "1.3" # default');
  expect(result.stderr).toBe("");
});

test("the printed configuration is TOML that validates to the same configuration on its own", async () => {
  const printed = await print(["-c", "my.toml", "-p", "9444"], { NORC_TLS_MIN_VERSION: "1.2" });
  expect(printed.exitCode).toBe(0);
  const table = parseTOML(printed.stdout) as Record<string, Record<string, unknown>>;
  expect(table.network?.port).toBe(9444);
  expect(table.tls?.min_version).toBe("1.2");
  writeFileSync(join(dir.path, "printed.toml"), printed.stdout);
  const again = await print(["-c", "printed.toml"]);
  expect(again.exitCode).toBe(0);
  const values = (text: string) =>
    text
      .split("\n")
      .slice(1)
      .map((line) => line.replace(/\s*#.*$/, ""));
  expect(values(again.stdout)).toEqual(values(printed.stdout));
});

test("an invalid configuration prints no configuration, only its problems (exit 78)", async () => {
  const result = await print(["-c", "my.toml", "-p", "70000"]);
  expect(result.exitCode).toBe(78);
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain(
    "network.port: must be 1..65535 (0 = any free port) (got 70000, from --port)",
  );
});
