import { beforeAll, expect, test } from "bun:test";
import { SQL } from "bun";
import { migratePostgres, postgresSchemaVersion } from "../../../src/store/postgres/migrate.ts";
import { openPostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import { POSTGRES_SCHEMA_VERSION } from "../../../src/store/postgres/schema.ts";
import { freePort } from "../../helpers/binary.ts";
import { freshDatabase, postgresServer } from "../../helpers/postgres.ts";
import { storeContract } from "./contract.ts";
import { postgresFixture } from "./postgres-fixture.ts";

// initdb and the first start take a few seconds on a busy machine: not inside a test's time
beforeAll(() => postgresServer(), 60_000);

storeContract("postgres", () => postgresFixture());
// the same contract with sends through the general path (norc_send off): both paths are specified
storeContract("postgres (general path)", () => postgresFixture({ oneRoundTripSend: false }));

async function withSql<T>(url: string, body: (sql: SQL) => Promise<T>): Promise<T> {
  const sql = new SQL({ url, max: 4 });
  try {
    return await body(sql);
  } finally {
    await sql.close();
  }
}

test("an empty database is refused until migrated; migrating twice applies nothing the second time", async () => {
  const url = await freshDatabase();
  await expect(openPostgresStore({ url, poolSize: 2 })).rejects.toMatchObject({
    code: "schema_too_old",
    message: expect.stringContaining("run `norc-server migrate`"),
  });
  await withSql(url, async (sql) => {
    expect(await postgresSchemaVersion(sql)).toBe(0);
    expect(await migratePostgres(sql)).toEqual({ from: 0, to: POSTGRES_SCHEMA_VERSION, applied: [1] });
    expect(await migratePostgres(sql)).toEqual({
      from: POSTGRES_SCHEMA_VERSION,
      to: POSTGRES_SCHEMA_VERSION,
      applied: [],
    });
    const [row] =
      await sql`SELECT count(*) AS n, bool_and(applied_at <= now()) AS dated FROM schema_migrations`;
    expect({ n: Number(row?.n), dated: row?.dated }).toEqual({ n: POSTGRES_SCHEMA_VERSION, dated: true });
  });
  const store = await openPostgresStore({ url, poolSize: 2 });
  await store.close();
});

test("instances migrating at once apply each step once (advisory lock)", async () => {
  const url = await freshDatabase();
  const results = await Promise.all([1, 2, 3].map(() => withSql(url, (sql) => migratePostgres(sql))));
  expect(results.map((r) => r.applied).sort()).toEqual([[], [], [1]]);
  expect(results.every((r) => r.to === POSTGRES_SCHEMA_VERSION)).toBe(true);
});

test("a database newer than this binary is refused by open and by migrate, untouched", async () => {
  const url = await freshDatabase();
  await withSql(url, async (sql) => {
    await migratePostgres(sql);
    await sql`INSERT INTO schema_migrations (version) VALUES (${POSTGRES_SCHEMA_VERSION + 1})`;
  });
  const newer = { code: "schema_too_new", message: expect.stringContaining("older than the database") };
  await expect(openPostgresStore({ url, poolSize: 2 })).rejects.toMatchObject(newer);
  await withSql(url, async (sql) => {
    await expect(migratePostgres(sql)).rejects.toMatchObject(newer);
    expect(await postgresSchemaVersion(sql)).toBe(POSTGRES_SCHEMA_VERSION + 1);
  });
});

test("an unreachable database is refused naming host:port, never the password", async () => {
  const port = await freePort();
  const url = `postgres://norc:hunter2@127.0.0.1:${port}/norc`;
  const opening = openPostgresStore({ url, poolSize: 1, password: "s3cret-pw", connectTimeoutSecs: 2 });
  await expect(opening).rejects.toMatchObject({ code: "io" });
  const message = await opening.catch((error: Error) => error.message);
  expect(message).toContain(`127.0.0.1:${port}/norc`);
  expect(message).not.toContain("hunter2");
  expect(message).not.toContain("s3cret-pw");
});
