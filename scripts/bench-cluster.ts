// The relay benchmark against 1, 2 and 3 clustered instances on one durable Postgres (fsync on,
// synchronous_commit on), and authenticated sessions held by the instances together.
// Usage: bun run build && bun scripts/bench-cluster.ts [--pairs 50] [--seconds 8] [--warmup 3]
// [--window 4] [--workers 2] [--max-instances 3] [--sessions 50000] [--holders 6] [--only relay|sessions]
// Each client process sends from one instance to the next (the recipients' instance), so with two
// or more instances every message crosses instances (hint over LISTEN/NOTIFY, pull from Postgres).
// Exits 1 when an accepted (status 0) message was not delivered.
import { type BenchCluster, startBenchCluster } from "./bench/bench-cluster-server.ts";
import { lines } from "./bench/child-lines.ts";
import { driveWorkers } from "./bench/drive-workers.ts";
import { loadAverage, numberFlag, percentile, residentBytes } from "./bench/proc-cpu.ts";
import type { WorkerPlan, WorkerResult } from "./bench/relay-worker.ts";

const pairs = numberFlag("pairs", 50);
const seconds = numberFlag("seconds", 8);
const warmup = numberFlag("warmup", 3);
const window = numberFlag("window", 4);
const workers = numberFlag("workers", 2);
const maxInstances = numberFlag("max-instances", 3);
const sessions = numberFlag("sessions", 50_000);
const holders = numberFlag("holders", 6);
const onlyIndex = Bun.argv.indexOf("--only");
const only = onlyIndex < 0 ? undefined : Bun.argv[onlyIndex + 1];
const SESSIONS_TARGET = 50_000;

function spawn(script: string, args: string[]) {
  return Bun.spawn([process.execPath, `${import.meta.dir}/bench/${script}`, ...args], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
}

/** Closed loop through `cluster`; returns false when a message was lost. */
async function relayRun(cluster: BenchCluster): Promise<boolean> {
  const { instances } = cluster;
  const perWorker = Math.ceil(pairs / workers);
  const plans = Array.from(
    { length: workers },
    (_, w): WorkerPlan => ({
      port: (instances[w % instances.length] as { port: number }).port,
      recipientPort: (instances[(w + 1) % instances.length] as { port: number }).port,
      pairs: Math.min(perWorker, pairs - w * perWorker),
      name: `w${w}`,
      mode: "closed",
      rate: 0,
      window,
      seconds,
      warmupSeconds: warmup,
      ahead: Math.ceil((3_000 * (seconds + warmup)) / pairs) + window,
    }),
  );
  const { results, before, after } = await driveWorkers(plans, cluster.cpu, cluster.cpu);
  const sum = (pick: (r: WorkerResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const delivered = Math.max(
    1,
    sum((r) => r.delivered),
  );
  const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const us = (cpuSeconds: number) => ((cpuSeconds * 1e6) / delivered).toFixed(1);
  const instanceCpu =
    after.instances.user + after.instances.system - before.instances.user - before.instances.system;
  const lost = sum((r) => r.lost) + sum((r) => r.unsettled);
  console.log(
    `${instances.length} instance${instances.length === 1 ? "" : "s"} (${pairs} pairs over TLS, closed loop, ${window} in flight per pair, ${seconds} s, ` +
      `senders and recipients on ${instances.length === 1 ? "the same instance" : "different instances"}): ` +
      `delivered ${(sum((r) => r.deliveredInWindow) / seconds).toFixed(0)} msg/s; latency p50 ${percentile(latencies, 50).toFixed(2)} ms ` +
      `p99 ${percentile(latencies, 99).toFixed(2)} ms p99.9 ${percentile(latencies, 99.9).toFixed(2)} ms`,
  );
  console.log(
    `  server CPU ${us(instanceCpu)} µs/msg (all instances; system ${us(after.instances.system - before.instances.system)}), ` +
      `Postgres ${us(after.postgres - before.postgres)} µs/msg, client ${us(sum((r) => r.cpuSeconds))} µs/msg; ` +
      `sent ${sum((r) => r.sent)}, accepted ${sum((r) => r.accepted)}, refused ${sum((r) => r.refused)}, delivered ${sum((r) => r.delivered)}, ` +
      `accepted and not delivered ${sum((r) => r.lost)}, unanswered ${sum((r) => r.unsettled)}; load average ${loadAverage()}`,
  );
  return lost === 0;
}

async function authenticated(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return Number(/^norc_sessions_authenticated (\S+)$/m.exec(text)?.[1] ?? 0);
}

/** `sessions` idle authenticated TLS sessions spread over the instances by `holders` client processes. */
async function sessionsRun(cluster: BenchCluster): Promise<void> {
  const { instances } = cluster;
  const share = Math.ceil(sessions / holders);
  const started = performance.now();
  const children = Array.from({ length: holders }, (_, h) =>
    spawn("session-holder.ts", [
      String((instances[h % instances.length] as { port: number }).port),
      String(Math.min(share, sessions - h * share)),
      `h${h}`,
    ]),
  );
  let held = 0;
  let failed = 0;
  for (const child of children) {
    const line = (await lines(child.stdout).next()).value ?? "";
    held += Number(/held (\d+)/.exec(line)?.[1] ?? 0);
    failed += Number(/failed (\d+)/.exec(line)?.[1] ?? 0);
  }
  const openSeconds = (performance.now() - started) / 1000;
  const perInstance = await Promise.all(
    instances.map(
      async (i) =>
        `${i.name} ${await authenticated(i.metricsPort)} (RSS ${(residentBytes(i.pid) / 1048576).toFixed(0)} MiB)`,
    ),
  );
  console.log(
    `sessions: ${held} idle authenticated TLS sessions held by ${instances.length} instances together (target ${SESSIONS_TARGET}; ${failed} failed; ` +
      `registered + authenticated in ${openSeconds.toFixed(0)} s by ${holders} client processes): ${perInstance.join(", ")}; load average ${loadAverage()}`,
  );
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map((child) => child.exited));
}

let ok = true;
if (only !== "sessions") {
  for (let n = 1; n <= maxInstances; n++) {
    const cluster = await startBenchCluster(n);
    try {
      ok = (await relayRun(cluster)) && ok;
    } finally {
      await cluster.stop();
    }
  }
}
if (only !== "relay") {
  const cluster = await startBenchCluster(maxInstances);
  try {
    await sessionsRun(cluster);
  } finally {
    await cluster.stop();
  }
}
if (!ok) {
  console.error("LOSS: an accepted message was not delivered (or a send was never answered)");
  process.exit(1);
}
process.exit(0);
