import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { loadConfig } from "../../../src/config/load-config.ts";

const EXAMPLES = resolve(import.meta.dir, "../../../examples");

describe("examples/", () => {
  test.each(["config.toml", "config-production.toml", "config-development.toml"])(
    "%s passes schema validation",
    async (name) => {
      const loaded = await loadConfig({ path: name, explicit: true, env: {}, overrides: {}, cwd: EXAMPLES });
      expect(loaded.file).toBe(resolve(EXAMPLES, name));
    },
  );

  test("production uses system paths, json logs and TLS 1.3 with its own certificate", async () => {
    const { config } = await loadConfig({
      path: "config-production.toml",
      explicit: true,
      env: {},
      overrides: {},
      cwd: EXAMPLES,
    });
    expect(config.tls.cert_file).toBe("/etc/norc-server/tls/server.crt");
    expect(config.tls.min_version).toBe("1.3");
    expect(config.logging.format).toBe("json");
    expect(config.storage.data_dir).toBe("/var/lib/norc-server");
    expect(config.daemon.user).toBe("norc-server");
  });
});
