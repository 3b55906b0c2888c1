/**
 * A client process of scripts/bench-relay.ts: opens `pairs` RelayPairs, composes ahead, prints
 * "ready", waits for a line on stdin, runs the loop for `warmupSeconds` and prints "warm", waits for
 * another line, runs the open or closed loop for `seconds`, waits until every message is settled,
 * prints one JSON line (counts of the measured window, latencies in ms, CPU seconds) and exits.
 */
import { kibContent, RelayPair } from "./relay-pairs.ts";

export interface WorkerPlan {
  port: number;
  /** Where the recipients connect (default `port`): another instance of a cluster. */
  recipientPort?: number;
  pairs: number;
  name: string;
  mode: "open" | "closed";
  /** Open loop: messages per second offered by this process, evenly spaced. */
  rate: number;
  /** Closed loop: messages in flight per pair. */
  window: number;
  seconds: number;
  /** Seconds of the same load before the measured window (the server's JIT warms up). */
  warmupSeconds: number;
  /** Messages composed ahead per pair (sealed and signed before the measured window). */
  ahead: number;
}

export interface WorkerResult {
  sent: number;
  accepted: number;
  refused: number;
  delivered: number;
  deliveredInWindow: number;
  lost: number;
  unsettled: number;
  composedLive: number;
  latenciesMs: number[];
  cpuSeconds: number;
  elapsedSeconds: number;
}

const plan = JSON.parse(Bun.argv[2] ?? "{}") as WorkerPlan;
const server = { host: "127.0.0.1", port: plan.port, tls: { insecure: true } };
const recipientServer = { ...server, port: plan.recipientPort ?? plan.port };
const content = kibContent();
const pairs: RelayPair[] = [];
for (let i = 0; i < plan.pairs; i += 10) {
  const batch = Array.from({ length: Math.min(10, plan.pairs - i) }, (_, j) =>
    RelayPair.open(server, `${plan.name}-${i + j}`, content, recipientServer),
  );
  pairs.push(...(await Promise.all(batch)));
}
for (const pair of pairs) pair.compose(plan.ahead);

const sentAt = new Map<string, number>();
const delivered = new Set<string>();
let latenciesMs: number[] = [];
let sent = 0;
let windowEnd = Number.POSITIVE_INFINITY;
let deliveredInWindow = 0;
let composedLive = 0;
let phaseStartMs = 0;

function send(pair: RelayPair, intendedMs: number): void {
  if (pair.ahead === 0) composedLive++;
  sentAt.set(pair.sendNext(), intendedMs);
  sent++;
}

pairs.forEach((pair) => {
  pair.onDelivered = (id, atMs) => {
    const start = sentAt.get(id);
    if (start === undefined || delivered.has(id)) return;
    delivered.add(id);
    latenciesMs.push(atMs - start);
    if (atMs <= windowEnd) deliveredInWindow++;
    if (plan.mode === "closed" && atMs < windowEnd) send(pair, performance.now());
  };
});

console.log("ready");
const input = console[Symbol.asyncIterator]();
await input.next();
await runPhase(plan.warmupSeconds);
const before = {
  sent,
  delivered: delivered.size,
  composedLive,
  accepted: pairs.reduce((n, pair) => n + pair.accepted.size, 0),
};
latenciesMs = [];
deliveredInWindow = 0;
console.log("warm");
await input.next();

const cpuBefore = process.cpuUsage();
await runPhase(plan.seconds);
const accepted = new Set(pairs.flatMap((pair) => [...pair.accepted]));
const refused = pairs.reduce((n, pair) => n + pair.refused.length, 0);
const lost = [...accepted].filter((id) => !delivered.has(id)).length;
const cpu = process.cpuUsage(cpuBefore);
const result: WorkerResult = {
  sent: sent - before.sent,
  accepted: accepted.size - before.accepted,
  refused,
  delivered: delivered.size - before.delivered,
  deliveredInWindow,
  lost,
  unsettled: sent - accepted.size - refused,

  composedLive: composedLive - before.composedLive,
  latenciesMs,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  elapsedSeconds: (performance.now() - phaseStartMs) / 1000,
};
console.log(JSON.stringify(result));
for (const pair of pairs) pair.close();
process.exit(0);

/** One loop of `seconds`, then waits until every message sent so far is settled. */
async function runPhase(seconds: number): Promise<void> {
  phaseStartMs = performance.now();
  windowEnd = phaseStartMs + seconds * 1000;
  if (plan.mode === "closed") {
    for (const pair of pairs) for (let i = 0; i < plan.window; i++) send(pair, performance.now());
  } else await openLoop(seconds);
  while (performance.now() < windowEnd) await Bun.sleep(10);
  await settle(30_000);
}

/** Sends message i at start + i / rate, round robin over the pairs, whatever the replies do. */
async function openLoop(seconds: number): Promise<void> {
  const intervalMs = 1000 / plan.rate;
  const total = Math.floor(plan.rate * seconds);
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && phaseStartMs + next * intervalMs <= now) {
      send(pairs[next % pairs.length] as RelayPair, phaseStartMs + next * intervalMs);
      next++;
    }
    await Bun.sleep(Math.max(0, Math.min(1, phaseStartMs + next * intervalMs - performance.now())));
  }
}

/** Waits until every sent message is answered and every accepted one delivered (or `timeoutMs`). */
async function settle(timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const refused = pairs.reduce((n, pair) => n + pair.refused.length, 0);
    const answered = pairs.reduce((n, pair) => n + pair.accepted.size, 0) + refused;
    if (answered >= sent && delivered.size >= sent - refused) return;
    await Bun.sleep(20);
  }
}
