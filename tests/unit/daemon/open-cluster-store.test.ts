import { describe, expect, test } from "bun:test";
import { defaultConfig } from "../../../src/config/schema.ts";
import { migrateClusterStore, openClusterStore } from "../../../src/daemon/open-cluster-store.ts";
import { ExitCode, NorcError } from "../../../src/errors.ts";
import { POSTGRES_SCHEMA_VERSION } from "../../../src/store/postgres/schema.ts";
import { freshDatabase, postgresAvailable } from "../../helpers/postgres.ts";

const clusterConfig = (url: string) => {
  const config = defaultConfig();
  config.cluster = { ...config.cluster, enabled: true, database_url: url, pool_size: 2 };
  return config;
};

const failure = (run: Promise<unknown>) =>
  run.then(
    () => undefined,
    (error: unknown) => error as NorcError,
  );

describe.skipIf(!postgresAvailable())("the cluster store of a config", () => {
  test("start refuses an unmigrated database naming `norc-server migrate`; migrate brings it up, once", async () => {
    const config = clusterConfig(await freshDatabase());
    const refused = await failure(openClusterStore(config));
    expect(refused).toBeInstanceOf(NorcError);
    expect(refused?.message).toContain("norc-server migrate");
    const first = await migrateClusterStore(config);
    expect([first.from, first.to]).toEqual([0, POSTGRES_SCHEMA_VERSION]);
    expect((await migrateClusterStore(config)).applied).toEqual([]);
    const store = await openClusterStore(config);
    expect(await store.reachable()).toBe(true);
    await store.close();
  });

  test("an unreachable database: start is 75, migrate 69, and the password is never in the message", async () => {
    const config = clusterConfig("postgres://norc:s3cret-pw@127.0.0.1:1/norc");
    const opened = await failure(openClusterStore(config));
    expect(opened?.exitCode).toBe(ExitCode.tempFail);
    const migrated = await failure(migrateClusterStore(config));
    expect(migrated?.exitCode).toBe(ExitCode.unavailable);
    for (const error of [opened, migrated]) {
      expect(error?.message).toContain("127.0.0.1:1/norc");
      expect(error?.message).not.toContain("s3cret-pw");
    }
  }, 30_000);
});
