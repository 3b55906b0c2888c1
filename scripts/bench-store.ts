/**
 * Durable store throughput: the send pipeline's unit of work (1 KiB queue entry + seen record +
 * contact pair, all four guards) against SqliteStore in a temp dir, at concurrency 1, 16 and 256.
 * Prints messages/s, durable transactions/s (group commits) and p50/p99 commit latency per level.
 * Usage: bun scripts/bench-store.ts [messages per level=30000] [concurrency levels=1,16,256]
 *        bun scripts/bench-store.ts --postgres [messages per level=5000] [levels=1,16,64]
 *        (PostgresStore on a private Postgres: scripts/bench-store-postgres.ts)
 * Env: BG=1 checkpoints from a worker thread (CKPT_MS=interval); DEVICES=n spreads the traffic wider.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "../src/store/ports.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { Work } from "../src/store/work.ts";
import { benchPostgres } from "./bench-store-postgres.ts";

const POSTGRES = process.argv.includes("--postgres");
const ARGS = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const MESSAGES = Number(ARGS[0] ?? (POSTGRES ? 5_000 : 30_000));
const LEVELS = (ARGS[1] ?? (POSTGRES ? "1,16,64" : "1,16,256")).split(",").map(Number);
const DEVICES = Number(process.env.DEVICES ?? 64);
const FRAME_BYTES = 1024;
const TARGET = { concurrency: 256, msgsPerSecond: 30_000, p99Ms: 15 };
const DAY_MS = 86_400_000;

function deviceId(n: number): Uint8Array {
  const id = new Uint8Array(32);
  new DataView(id.buffer).setUint32(0, n);
  return id;
}

function sendWork(n: number, frame: Uint8Array): Work {
  const messageId = crypto.getRandomValues(new Uint8Array(32));
  const sender = deviceId(n % DEVICES);
  const recipient = deviceId((n * 7 + 1) % DEVICES);
  const atMs = Date.now();
  return {
    guards: [
      { type: "notSeen", messageId },
      { type: "deviceUsable", device: recipient },
      { type: "queueCap", recipient, maxFrames: 10_000_000, maxBytes: 2 ** 40 },
      { type: "diskQuota" },
    ],
    writes: [
      {
        type: "enqueue",
        entry: {
          recipient,
          kind: "message",
          messageId,
          sender,
          frame,
          enqueuedAtMs: atMs,
          expiresAtMs: atMs + 7 * DAY_MS,
        },
      },
      { type: "markSeen", seen: { messageId, sender, recipient, atMs } },
      { type: "touchContact", a: sender, b: recipient, atMs },
    ],
  };
}

async function addDevices(store: Store): Promise<void> {
  const writes = Array.from({ length: DEVICES }, (_, n) => ({
    type: "putDevice" as const,
    device: {
      id: deviceId(n),
      publicKey: deviceId(n),
      userId: `user${n}`,
      state: "active" as const,
      info: "bench",
      capabilities: 0,
      registeredAtMs: 0,
      updatedAtMs: 0,
    },
  }));
  await store.commit({ writes });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function runLevel(concurrency: number): Promise<{ msgsPerSecond: number; p99Ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), "norc-bench-store-"));
  const store = SqliteStore.open(dir, {
    quotaBytes: 2 ** 40,
    backgroundCheckpoint: process.env.BG === "1",
    checkpointIntervalMs: Number(process.env.CKPT_MS ?? 50),
  });
  try {
    await addDevices(store);
    const frame = crypto.getRandomValues(new Uint8Array(FRAME_BYTES));
    const latenciesMs: number[] = [];
    let next = 0;
    const batchesBefore = store.groupStats().batches;
    const start = Bun.nanoseconds();
    const worker = async () => {
      while (next < MESSAGES) {
        const work = sendWork(next++, frame);
        const t0 = Bun.nanoseconds();
        const outcome = await store.commit(work);
        latenciesMs.push((Bun.nanoseconds() - t0) / 1e6);
        if (outcome.status !== "ok") throw new Error(`commit refused: ${outcome.status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (Bun.nanoseconds() - start) / 1e9;
    const batches = store.groupStats().batches - batchesBefore;
    latenciesMs.sort((a, b) => a - b);
    const msgsPerSecond = latenciesMs.length / seconds;
    const p50 = percentile(latenciesMs, 50);
    const p99 = percentile(latenciesMs, 99);
    console.log(
      `concurrency ${String(concurrency).padStart(3)}: ${Math.round(msgsPerSecond).toLocaleString("en-US").padStart(7)} msgs/s, ` +
        `${Math.round(batches / seconds)
          .toLocaleString("en-US")
          .padStart(6)} durable commits/s ` +
        `(${(latenciesMs.length / batches).toFixed(1)} msgs each), p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
    );
    await store.close();
    const reopenStart = Bun.nanoseconds();
    const reopened = SqliteStore.open(dir);
    const reopenMs = (Bun.nanoseconds() - reopenStart) / 1e6;
    await reopened.close();
    console.log(
      `  reopen with ${latenciesMs.length} queued entries and seen records: ${reopenMs.toFixed(0)} ms`,
    );
    return { msgsPerSecond, p99Ms: p99 };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (POSTGRES) {
  await benchPostgres({ messages: MESSAGES, levels: LEVELS, devices: DEVICES, sendWork, addDevices });
  process.exit(0);
}

const checkpoints =
  process.env.BG === "1"
    ? `worker every ${process.env.CKPT_MS ?? 50} ms`
    : "inline (wal_autocheckpoint 1000)";
console.log(
  `${MESSAGES} messages of ${FRAME_BYTES} B per level, ${DEVICES} devices, WAL + synchronous=FULL, checkpoints ${checkpoints}`,
);
const results = new Map<number, { msgsPerSecond: number; p99Ms: number }>();
for (const concurrency of LEVELS) results.set(concurrency, await runLevel(concurrency));
const atTarget = results.get(TARGET.concurrency);
console.log(
  `target: >= ${TARGET.msgsPerSecond.toLocaleString("en-US")} msgs/s at concurrency ${TARGET.concurrency} with p99 < ${TARGET.p99Ms} ms` +
    (atTarget === undefined
      ? " (level not run)"
      : `: ${atTarget.msgsPerSecond >= TARGET.msgsPerSecond && atTarget.p99Ms < TARGET.p99Ms ? "met" : "NOT met"}`),
);
