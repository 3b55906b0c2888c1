// Idle authenticated TLS sessions on the compiled server: resident memory per session next to a
// bare Bun TLS socket (the floor, same run, same certificate), how many are held, and a reconnect
// storm: the server is killed and restarted, every device reconnects with the §9 backoff.
// Usage: bun run build && bun scripts/bench-sessions.ts [--sessions 10000] [--workers 2]
// (the server may hold up to its fd limit, 20,000 here; each client process holds sessions/workers).
import { join } from "node:path";
import { type BenchServer, startBenchServer } from "./bench/bench-server.ts";
import { lines } from "./bench/child-lines.ts";
import { loadAverage, numberFlag, processCpuSeconds, residentBytes } from "./bench/proc-cpu.ts";

const sessions = numberFlag("sessions", 10_000);
const workers = numberFlag("workers", 2);
const SETTLE_MS = 3_000;

type Child = ReturnType<typeof spawnChild>;

function spawnChild(args: string[]) {
  return Bun.spawn([process.execPath, ...args], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
}

/** Starts `workers` client processes of `script` (args after the count), each with its share. */
async function holdAll(script: string, args: (share: number, w: number) => string[]) {
  const share = Math.ceil(sessions / workers);
  const children = Array.from({ length: workers }, (_, w) =>
    spawnChild([join(import.meta.dir, "bench", script), ...args(Math.min(share, sessions - w * share), w)]),
  );
  const readers = children.map((child) => lines(child.stdout));
  let held = 0;
  let failed = 0;
  for (const reader of readers) {
    const line = (await reader.next()).value ?? "";
    held += Number(/(?:held|open) (\d+)/.exec(line)?.[1] ?? 0);
    failed += Number(/failed (\d+)/.exec(line)?.[1] ?? 0);
  }
  return { children, readers, held, failed };
}

async function stopAll(children: Child[]): Promise<void> {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(children.map((child) => child.exited));
}

/** Memory per session of norc-server, then the storm; returns the server's directory's certificate. */
async function measureServer(server: BenchServer): Promise<void> {
  await Bun.sleep(SETTLE_MS);
  const before = residentBytes(server.pid);
  const started = performance.now();
  const { children, readers, held, failed } = await holdAll("session-holder.ts", (share, w) => [
    String(server.port),
    String(share),
    `w${w}`,
  ]);
  const openSeconds = (performance.now() - started) / 1000;
  await Bun.sleep(SETTLE_MS);
  const after = residentBytes(server.pid);
  const perSession = (after - before) / Math.max(1, held);
  console.log(
    `norc-server: ${held} idle authenticated TLS sessions held (${failed} failed; registered + authenticated in ${openSeconds.toFixed(1)} s); ` +
      `RSS ${(before / 1048576).toFixed(1)} -> ${(after / 1048576).toFixed(1)} MiB: ${(perSession / 1024).toFixed(2)} KB per session; load average ${loadAverage()}`,
  );
  for (const child of children) {
    child.stdin.write("storm\n");
    child.stdin.flush();
  }
  await server.stop("SIGKILL");
  const restarted = await server.restart();
  const listeningAtMs = Date.now();
  const cpuAtListening = processCpuSeconds(restarted.pid);
  const results = await Promise.all(
    readers.map(async (reader) => JSON.parse((await reader.next()).value ?? "{}")),
  );
  const stormCpuUs = ((processCpuSeconds(restarted.pid) - cpuAtListening) * 1e6) / Math.max(1, held);
  const times = results.flatMap((r: { atMs: number[] }) => r.atMs).sort((a, b) => a - b);
  const attempts = results.flatMap((r: { attempts: number[] }) => r.attempts);
  const last = times.at(-1) ?? listeningAtMs;
  const first = times[0] ?? listeningAtMs;
  const spanSeconds = Math.max(0.001, (last - first) / 1000);
  console.log(
    `reconnect storm (SIGKILL + restart, §9 backoff 1 s doubling, ±20 %): ${times.length} sessions re-established, ` +
      `${(times.length / spanSeconds).toFixed(0)} sessions/s from the first to the last (${spanSeconds.toFixed(2)} s), ` +
      `${(times.length / Math.max(0.001, (last - listeningAtMs) / 1000)).toFixed(0)}/s from the restart's listening line; ` +
      `attempts per device max ${Math.max(...attempts)}, mean ${(attempts.reduce((a, b) => a + b, 0) / Math.max(1, attempts.length)).toFixed(2)}; ` +
      `server CPU ${stormCpuUs.toFixed(0)} µs per re-established session (≈ ${(1e6 / stormCpuUs).toFixed(0)}/s on a core of its own); ` +
      `RSS after ${(residentBytes(restarted.pid) / 1048576).toFixed(1)} MiB; load average ${loadAverage()}`,
  );
  await stopAll(children);
  await restarted.stop();
}

/** The floor: a Bun.listen TLS server with nothing per socket (scripts/bench/floor-server.ts). */
async function measureFloor(dir: string): Promise<void> {
  const tls = join(dir, "data", "tls");
  const floor = spawnChild([
    join(import.meta.dir, "bench", "floor-server.ts"),
    join(tls, "server.crt"),
    join(tls, "server.key"),
    "0",
    "own-ca",
  ]);
  try {
    const port = Number(/:(\d+)/.exec((await lines(floor.stdout).next()).value ?? "")?.[1]);
    await Bun.sleep(SETTLE_MS);
    const before = residentBytes(floor.pid);
    const { children, held } = await holdAll("hold-connections.ts", (share) => [
      String(port),
      String(share),
      "127.0.0.1",
      "tls",
    ]);
    await Bun.sleep(SETTLE_MS);
    const after = residentBytes(floor.pid);
    console.log(
      `floor (bare Bun TLS socket, same certificate): ${held} sockets held; ${((after - before) / Math.max(1, held) / 1024).toFixed(2)} KB per socket`,
    );
    await stopAll(children);
  } finally {
    floor.kill("SIGKILL");
    await floor.exited;
  }
}

const server = await startBenchServer();
try {
  await measureServer(server);
  await measureFloor(server.dir);
} finally {
  await server.stop();
  server.cleanup();
}
