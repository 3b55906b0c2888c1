/**
 * bench-store --postgres: the same unit of work against PostgresStore on a private Postgres 15
 * (tests/helpers/postgres.ts with fsync and synchronous_commit on, as a production server runs),
 * at concurrency 1, 16 and 64, one fresh database per level. Prints commits/s and p50/p99 next to
 * the Postgres facts measured on this machine (MESSAGING.md).
 */
import { SQL } from "bun";
import { migratePostgres } from "../src/store/postgres/migrate.ts";
import { openPostgresStore, type PostgresStore } from "../src/store/postgres/postgres-store.ts";
import type { Work } from "../src/store/work.ts";
import { freshDatabase, postgresServer } from "../tests/helpers/postgres.ts";

/** The figures of MESSAGING.md ("Facts measured on this 2-core machine") to compare with. */
export const POSTGRES_FACTS = [
  "Postgres 15, 1 KiB insert, autocommit: 8.0k tps with 1 client, 17.9k with 8-32",
  "Bun.SQL inside a --compile binary: 7.0k / 17.6k commits/s at concurrency 1 / 16",
];

export interface PostgresBenchOptions {
  messages: number;
  levels: number[];
  devices: number;
  sendWork: (n: number, frame: Uint8Array) => Work;
  addDevices: (store: PostgresStore) => Promise<void>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function openFresh(poolSize: number): Promise<PostgresStore> {
  const url = await freshDatabase();
  const sql = new SQL({ url, max: 1 });
  await migratePostgres(sql);
  await sql.close();
  return await openPostgresStore({ url, poolSize, quotaBytes: 2 ** 40 });
}

/** A plain 1 KiB insert per autocommit at `concurrency` on this server now: the floor of the machine's load. */
async function baseline(concurrency: number, inserts: number): Promise<number> {
  const sql = new SQL({ url: await freshDatabase(), max: concurrency });
  try {
    await sql`CREATE TABLE t (id bigserial PRIMARY KEY, frame bytea NOT NULL)`;
    const frame = crypto.getRandomValues(new Uint8Array(1024));
    let next = 0;
    const start = Bun.nanoseconds();
    const worker = async () => {
      while (next++ < inserts) await sql`INSERT INTO t (frame) VALUES (${frame})`;
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return inserts / ((Bun.nanoseconds() - start) / 1e9);
  } finally {
    await sql.close();
  }
}

async function runLevel(options: PostgresBenchOptions, concurrency: number): Promise<void> {
  const store = await openFresh(Math.min(concurrency, 64));
  try {
    await options.addDevices(store);
    const frame = crypto.getRandomValues(new Uint8Array(1024));
    const latenciesMs: number[] = [];
    let next = 0;
    const start = Bun.nanoseconds();
    const worker = async () => {
      while (next < options.messages) {
        const work = options.sendWork(next++, frame);
        const t0 = Bun.nanoseconds();
        const outcome = await store.commit(work);
        latenciesMs.push((Bun.nanoseconds() - t0) / 1e6);
        if (outcome.status !== "ok") throw new Error(`commit refused: ${outcome.status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (Bun.nanoseconds() - start) / 1e9;
    latenciesMs.sort((a, b) => a - b);
    const rate = Math.round(latenciesMs.length / seconds).toLocaleString("en-US");
    const floor = Math.round(await baseline(concurrency, options.messages)).toLocaleString("en-US");
    console.log(
      `concurrency ${String(concurrency).padStart(3)}: ${rate.padStart(7)} commits/s (one transaction each), ` +
        `p50 ${percentile(latenciesMs, 50).toFixed(2)} ms, p99 ${percentile(latenciesMs, 99).toFixed(2)} ms; ` +
        `plain 1 KiB insert on this server now: ${floor}/s`,
    );
  } finally {
    await store.close();
  }
}

/** Runs every level and prints the figures with the facts they compare to. */
export async function benchPostgres(options: PostgresBenchOptions): Promise<void> {
  const server = await postgresServer({ durable: true });
  console.log(
    `postgres: ${options.messages} send units of work (1 KiB entry + seen + contact, 4 guards) per level, ` +
      `${options.devices} devices, Postgres on 127.0.0.1:${server.port} with fsync + synchronous_commit on`,
  );
  for (const concurrency of options.levels) await runLevel(options, concurrency);
  console.log(`facts (MESSAGING.md): ${POSTGRES_FACTS.join("; ")}`);
}
