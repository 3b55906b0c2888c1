import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ConfigSource, loadConfig } from "../../../src/config/load-config.ts";
import { defaultConfig } from "../../../src/config/schema.ts";
import { ExitCode, NorcError } from "../../../src/errors.ts";
import { tempDir } from "../../helpers/binary.ts";

let dir: { path: string; cleanup: () => void };
beforeEach(() => {
  dir = tempDir("norc-config-");
});
afterEach(() => dir.cleanup());

function source(toml: string | undefined, extra: Partial<ConfigSource> = {}): ConfigSource {
  if (toml !== undefined) writeFileSync(join(dir.path, "config.toml"), toml);
  return { path: "config.toml", explicit: false, env: {}, overrides: {}, cwd: dir.path, ...extra };
}

async function problemOf(config: ConfigSource): Promise<string> {
  const error = await loadConfig(config).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(NorcError);
  expect((error as NorcError).exitCode).toBe(ExitCode.config);
  return (error as NorcError).message;
}

describe("loadConfig sources", () => {
  test("a missing default config.toml means built-in defaults, paths made absolute", async () => {
    const loaded = await loadConfig(source(undefined));
    expect(loaded.file).toBeUndefined();
    expect(loaded.config.network).toEqual(defaultConfig().network);
    expect(loaded.config.storage.data_dir).toBe(join(dir.path, "data"));
    expect(loaded.config.daemon.pid_file).toBe(join(dir.path, "norc-server.pid"));
  });

  test("a missing explicit file is an error naming it and generate-config", async () => {
    const message = await problemOf(source(undefined, { path: "other.toml", explicit: true }));
    expect(message).toContain('"other.toml" not found (ENOENT)');
    expect(message).toContain("norc-server generate-config -o other.toml");
  });

  test('"-" is not standard input: the error says so instead of suggesting generate-config -o -', async () => {
    const message = await problemOf(source(undefined, { path: "-", explicit: true }));
    expect(message).toBe(
      'config file "-" not found (ENOENT): a config is not read from standard input; give the path of a TOML file',
    );
  });

  test("precedence: defaults < file < environment < flags", async () => {
    const toml = '[network]\nport = 9000\nmax_connections = 7\n[logging]\nlevel = "warn"\n';
    const env = { NORC_NETWORK_PORT: "9443", NORC_LOGGING_LEVEL: "error", NORC_NETWORK_MAX_CONNECTIONS: "8" };
    const { config, file } = await loadConfig(
      source(toml, { env, overrides: { "network.port": "9444", "logging.level": "debug" } }),
    );
    expect(file).toBe(join(dir.path, "config.toml"));
    expect(config.network.port).toBe(9444);
    expect(config.logging.level).toBe("debug");
    expect(config.network.max_connections).toBe(8);
    expect(config.network.connection_timeout_secs).toBe(60);
  });

  test("env and flag text is coerced to the schema's type", async () => {
    const env = { NORC_TLS_ENABLED: "FALSE", NORC_TLS_MIN_VERSION: "1.2", NORC_METRICS_PORT: " 9191 " };
    const { config } = await loadConfig(source("", { env }));
    expect(config.tls.enabled).toBe(false);
    expect(config.tls.min_version).toBe("1.2");
    expect(config.metrics.port).toBe(9191);
  });

  test("an empty string means unset in the file, the environment and flags", async () => {
    const toml = '[storage]\ndata_dir = ""\n[tls]\ncert_file = ""\nkey_file = ""\n';
    const env = { NORC_NETWORK_PORT: "" };
    const { config } = await loadConfig(source(toml, { env, overrides: { "logging.level": "" } }));
    expect(config.storage.data_dir).toBe(join(dir.path, "data"));
    expect(config.tls.cert_file).toBeUndefined();
    expect(config.network.port).toBe(8443);
    expect(config.logging.level).toBe("info");
  });

  test("relative paths resolve against the source's cwd", async () => {
    const toml =
      '[tls]\ncert_file = "c/s.crt"\nkey_file = "/abs/s.key"\n[logging]\nfile = "log/x.log"\n[daemon]\nworking_dir = "w"\n';
    const { config } = await loadConfig(source(toml));
    expect(config.tls.cert_file).toBe(join(dir.path, "c/s.crt"));
    expect(config.tls.key_file).toBe("/abs/s.key");
    expect(config.logging.file).toBe(join(dir.path, "log/x.log"));
    expect(config.daemon.working_dir).toBe(join(dir.path, "w"));
  });
});

describe("loadConfig problems", () => {
  test("a bad flag is reported as its config path, with where it came from", async () => {
    const message = await problemOf(source("", { overrides: { "network.port": "70000" } }));
    expect(message).toBe(
      "invalid configuration in config.toml:\nnetwork.port: must be 1..65535 (0 = any free port) (got 70000, from --port)",
    );
  });

  test("a bad environment value names its variable; text that is no number stays text", async () => {
    const message = await problemOf(source(undefined, { env: { NORC_NETWORK_PORT: "http" } }));
    expect(message).toContain('network.port: must be a number (got "http", from NORC_NETWORK_PORT)');
    expect(message).toContain("no config file");
  });

  test("unknown NORC_ variables for config sections are errors with a did-you-mean; others are ignored", async () => {
    const env = { NORC_NETWORK_PROT: "1", NORC_LOGING_LEVEL: "debug", NORC_SOMETHING_ELSE: "x", NORC: "y" };
    const message = await problemOf(source("", { env }));
    expect(message.split("\n").slice(1)).toEqual([
      "NORC_NETWORK_PROT: unknown config variable (did you mean NORC_NETWORK_PORT?)",
      "NORC_LOGING_LEVEL: unknown config variable (did you mean NORC_LOGGING_LEVEL?)",
    ]);
  });

  test("every problem of file, env and flags is listed at once, file lines in order", async () => {
    const toml = '[network]\nprot = 1\nport = 70000\n\n[logging]\nlevel = "loud"\n';
    const message = await problemOf(source(toml, { overrides: { "network.bind_address": "nowhere" } }));
    expect(message.split("\n")).toEqual([
      "invalid configuration in config.toml:",
      'config.toml:2: network.prot: unknown key (did you mean "port"?)',
      "config.toml:3: network.port: must be 1..65535 (0 = any free port) (got 70000)",
      'config.toml:6: logging.level: must be one of trace, debug, info, warn, error (got "loud")',
      'network.bind_address: must be an IPv4 or IPv6 address literal, such as 0.0.0.0 or :: (got "nowhere", from --bind)',
    ]);
  });

  test("a file that cannot be read is an error naming it", async () => {
    const message = await problemOf(source(undefined, { path: ".", explicit: true }));
    expect(message).toContain('config file "." is a directory (EISDIR)');
  });
});
