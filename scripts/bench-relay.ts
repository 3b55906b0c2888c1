// Signed, durably queued 1 KiB messages through the compiled server over TLS, next to the floor
// measured in the same run. Usage: bun run build && bun scripts/bench-relay.ts [--pairs 50]
// [--mode open|closed|both] [--rate 2000] [--seconds 8] [--warmup 3] [--window 4] [--workers 2]. Exits 1 when an
// accepted (status 0) message was not delivered.
import { freePort } from "../tests/helpers/binary.ts";
import { startBenchServer } from "./bench/bench-server.ts";
import { driveWorkers } from "./bench/drive-workers.ts";
import { loadAverage, numberFlag, percentile, processCpuSplit } from "./bench/proc-cpu.ts";
import { relayFloor } from "./bench/relay-floor.ts";
import type { WorkerPlan, WorkerResult } from "./bench/relay-worker.ts";

const pairs = numberFlag("pairs", 50);
const rate = numberFlag("rate", 2000);
const seconds = numberFlag("seconds", 8);
const window = numberFlag("window", 4);
const workers = numberFlag("workers", 2);
const warmup = numberFlag("warmup", 3);
const modeIndex = Bun.argv.indexOf("--mode");
const modeArg = modeIndex < 0 ? "both" : Bun.argv[modeIndex + 1];
const modes: Array<"open" | "closed"> =
  modeArg === "both" ? ["open", "closed"] : [modeArg as "open" | "closed"];
/** Closed loop composes ahead for this rate (more is composed live, and counted). */
const CLOSED_AHEAD_RATE = 3_000;

interface Run {
  mode: "open" | "closed";
  results: WorkerResult[];
  serverCpuSeconds: number;
  serverSystemSeconds: number;
  commits: number;
  commitTasks: number;
}

async function scrape(metricsPort: number): Promise<{ commits: number; tasks: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  return { commits: value("norc_store_commits_total"), tasks: value("norc_store_commit_tasks_total") };
}

/** The store's commit counters as of now (the server refreshes its store figures at most every 5 s). */
async function freshCommits(metricsPort: number): Promise<{ commits: number; tasks: number }> {
  await scrape(metricsPort);
  await Bun.sleep(5_100);
  await scrape(metricsPort);
  await Bun.sleep(200);
  return scrape(metricsPort);
}

async function runMode(mode: "open" | "closed"): Promise<Run> {
  const metricsPort = await freePort();
  const server = await startBenchServer(`[metrics]\nenabled = true\nport = ${metricsPort}`);
  try {
    const perWorker = Math.ceil(pairs / workers);
    const ahead =
      Math.ceil(((mode === "open" ? rate : CLOSED_AHEAD_RATE) * (seconds + warmup)) / pairs) + window;
    const plans = Array.from(
      { length: workers },
      (_, w): WorkerPlan => ({
        port: server.port,
        pairs: Math.min(perWorker, pairs - w * perWorker),
        name: `w${w}`,
        mode,
        rate: rate / workers,
        window,
        seconds,
        warmupSeconds: warmup,
        ahead,
      }),
    );
    const { results, before, after } = await driveWorkers(
      plans,
      async () => {
        const commits = await freshCommits(metricsPort);
        return { cpu: processCpuSplit(server.pid), ...commits };
      },
      async () => {
        const cpu = processCpuSplit(server.pid);
        return { cpu, ...(await freshCommits(metricsPort)) };
      },
    );
    return {
      mode,
      results,
      serverCpuSeconds: after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system,
      serverSystemSeconds: after.cpu.system - before.cpu.system,
      commits: after.commits - before.commits,
      commitTasks: after.tasks - before.tasks,
    };
  } finally {
    await server.stop();
    server.cleanup();
  }
}

function report(run: Run): boolean {
  const sum = (pick: (r: WorkerResult) => number) => run.results.reduce((n, r) => n + pick(r), 0);
  const delivered = sum((r) => r.delivered);
  const lost = sum((r) => r.lost);
  const latencies = run.results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  const serverUs = (run.serverCpuSeconds * 1e6) / Math.max(1, delivered);
  const clientUs = (sum((r) => r.cpuSeconds) * 1e6) / Math.max(1, delivered);
  const batch = run.commitTasks / Math.max(1, run.commits);
  const floor = relayFloor(batch);
  const floorUs = floor.cryptoUs + floor.commitUs;
  const f = (n: number, digits = 0) => n.toFixed(digits);
  const offered = run.mode === "open" ? `offered ${rate} msg/s` : `closed loop, ${window} in flight per pair`;
  console.log(
    `${run.mode} loop (${pairs} pairs over TLS, ${offered}, ${seconds} s, ${workers} client processes): ` +
      `delivered ${f(sum((r) => r.deliveredInWindow) / seconds)} msg/s; latency p50 ${f(percentile(latencies, 50), 2)} ms ` +
      `p99 ${f(percentile(latencies, 99), 2)} ms p99.9 ${f(percentile(latencies, 99.9), 2)} ms max ${f(latencies.at(-1) ?? 0, 2)} ms`,
  );
  console.log(
    `  server CPU ${f(serverUs, 1)} µs/msg (system ${f((run.serverSystemSeconds * 1e6) / Math.max(1, delivered), 1)}); floor ${f(floorUs, 1)} µs/msg (crypto ${f(floor.cryptoUs, 1)} + commit ${f(floor.commitUs, 1)} ` +
      `at ${f(batch, 1)} changes per commit; + status-0 ack sign+seal ${f(floor.serverAckUs, 1)}); ` +
      `ratio ${f(serverUs / floorUs, 2)} (${f(serverUs / (floorUs + floor.serverAckUs), 2)} with the status-0 ack in the floor)`,
  );
  console.log(
    `  client CPU ${f(clientUs, 1)} µs/msg (payloads sealed and signed before the window; ${sum((r) => r.composedLive)} composed live); ` +
      `sent ${sum((r) => r.sent)}, accepted (status 0) ${sum((r) => r.accepted)}, refused ${sum((r) => r.refused)}, ` +
      `delivered ${delivered}, accepted and not delivered ${lost}, unanswered ${sum((r) => r.unsettled)}; load average ${loadAverage()}`,
  );
  return lost === 0 && sum((r) => r.unsettled) === 0;
}

let ok = true;
for (const mode of modes) ok = report(await runMode(mode)) && ok;
if (!ok) {
  console.error("LOSS: an accepted message was not delivered (or a send was never answered)");
  process.exit(1);
}
