import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  clusterInstanceName,
  readDatabasePassword,
  refuseInClusterMode,
} from "../../../src/config/cluster-settings.ts";
import { isPostgresUrl, redactUrl } from "../../../src/config/cluster-url.ts";
import { describeConfig } from "../../../src/config/describe-config.ts";
import { checkConfigFiles, loadConfig } from "../../../src/config/load-config.ts";
import { printConfig } from "../../../src/config/print-config.ts";
import { defaultConfig } from "../../../src/config/schema.ts";
import { ExitCode, NorcError } from "../../../src/errors.ts";
import { planReload } from "../../../src/server/reload-plan.ts";

const SECRET = "hunter2-s3cret";
const dir = mkdtempSync(join(tmpdir(), "norc-cluster-config-"));

const load = (env: Record<string, string>, file?: string) =>
  loadConfig({ path: file ?? "absent.toml", explicit: file !== undefined, env, overrides: {}, cwd: dir });

describe("[cluster] config", () => {
  test("NORC_CLUSTER_DATABASE_URL sets the URL; print and describe never show its password", async () => {
    const url = `postgres://norc:${SECRET}@db.internal:5432/norc`;
    const { config, origins } = await load({ NORC_CLUSTER_ENABLED: "true", NORC_CLUSTER_DATABASE_URL: url });
    expect(config.cluster.enabled).toBe(true);
    expect(config.cluster.database_url).toBe(url);
    const printed = printConfig(config, origins ?? {}, "header");
    expect(printed).toContain('database_url = "postgres://norc:***@db.internal:5432/norc"');
    expect(printed).not.toContain(SECRET);
    expect(describeConfig(config)).not.toContain(SECRET);
    expect(describeConfig(config)).toContain("cluster instance");
  });

  test("an invalid URL from the environment is reported without its password", async () => {
    const error = await load({ NORC_CLUSTER_DATABASE_URL: `mysql://norc:${SECRET}@db/norc` }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(NorcError);
    expect((error as NorcError).exitCode).toBe(ExitCode.config);
    expect((error as NorcError).message).toContain("cluster.database_url: must be a postgres://");
    expect((error as NorcError).message).not.toContain(SECRET);
  });

  test("the password file is read at start, trimmed; a missing one is a config error and a file problem", async () => {
    const file = join(dir, "db-password");
    writeFileSync(file, `${SECRET}\n`);
    const config = defaultConfig();
    config.cluster = { ...config.cluster, enabled: true, database_password_file: file };
    expect(readDatabasePassword(config)).toBe(SECRET);
    config.cluster.database_password_file = join(dir, "missing");
    expect(() => readDatabasePassword(config)).toThrow(/cluster\.database_password_file/);
    expect((await checkConfigFiles(config)).join("\n")).toContain(
      "cluster.database_password_file: cannot read",
    );
  });

  test("the instance name defaults to hostname:port", () => {
    const config = defaultConfig();
    config.network.port = 9443;
    expect(clusterInstanceName(config)).toEndWith(":9443");
    config.cluster.instance_name = "norc-1";
    expect(clusterInstanceName(config)).toBe("norc-1");
  });

  test("every cluster key is restart-only on reload", () => {
    const running = defaultConfig();
    const loaded = defaultConfig();
    loaded.cluster = {
      enabled: true,
      database_url: "postgres://db/norc",
      database_password_file: "/p",
      pool_size: 3,
      instance_name: "x",
      lease_expiry_secs: 60,
      heartbeat_interval_secs: 10,
    };
    const plan = planReload(running, loaded);
    expect(plan.restartKeys.filter((key) => key.startsWith("cluster."))).toHaveLength(7);
    expect(plan.config.cluster).toEqual(running.cluster);
    expect(plan.changed).toEqual([]);
  });

  test("URL helpers: schemes and redaction", () => {
    expect(isPostgresUrl("postgresql://u@h/db")).toBe(true);
    expect(isPostgresUrl("postgres:///db")).toBe(false);
    expect(isPostgresUrl("http://h/db")).toBe(false);
    expect(redactUrl(`postgres://u:${SECRET}@h/db`)).toBe("postgres://u:***@h/db");
    expect(redactUrl(`not a url ${SECRET}`)).not.toContain(SECRET);
  });
});

test("backup and restore refuse in cluster mode, naming the Postgres tools", () => {
  const config = defaultConfig();
  expect(() => refuseInClusterMode(config, "backup")).not.toThrow();
  config.cluster.enabled = true;
  expect(() => refuseInClusterMode(config, "backup")).toThrow(/pg_dump/);
  expect(() => refuseInClusterMode(config, "restore")).toThrow(/pg_restore/);
});
