import { expect, test } from "bun:test";
import { defaultConfig } from "../../../src/config/schema.ts";
import { changedKeys, keepRestartKeys } from "../../../src/server/reload-plan.ts";

test("changed keys are listed as dotted paths; restart-only keys are kept at their running value", () => {
  const before = defaultConfig();
  const after = defaultConfig();
  after.network.port = 9443;
  after.logging.level = "debug";
  after.tls.cert_file = "/etc/norc/server.crt";
  after.storage.data_dir = "/var/lib/norc";
  after.daemon.pid_file = "/run/norc.pid";
  const { config, restartKeys } = keepRestartKeys(before, after);
  expect(restartKeys).toEqual(["daemon.pid_file", "storage.data_dir"]);
  expect(config.storage.data_dir).toBe(before.storage.data_dir);
  expect(config.daemon.pid_file).toBe(before.daemon.pid_file);
  expect(changedKeys(before, config)).toEqual(["network.port", "tls.cert_file", "logging.level"]);
  expect(changedKeys(before, defaultConfig())).toEqual([]);
});
