// NCP-1 handshakes/s over plain TCP and TLS against the compiled server, and ping RTT p50/p99 with
// 1,000 connected clients. Usage: bun run build && bun scripts/bench-handshake.ts [--seconds 5] [--concurrency 64]
// [--workers 2] [--warmup 2] [--no-ping]. After `warmup` seconds of handshakes, prints the server's
// and the clients' CPU per handshake (Linux /proc, process.cpuUsage) and the load average. For TLS,
// the same run measures the floor (scripts/bench/handshake-floor-server.ts: TLS accept + the
// handshake's crypto only, same certificate) and prints the server's CPU per handshake over it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConnectOptions, connectNcp, type NcpConnection } from "../src/client/ncp-client.ts";
import { createClientHello } from "../src/protocol/client-handshake.ts";
import { startServer } from "../tests/helpers/server-process.ts";

function flag(name: string, fallback: number): number {
  const index = Bun.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(Bun.argv[index + 1]);
}

const seconds = flag("seconds", 5);
const warmup = flag("warmup", 2);
const concurrency = flag("concurrency", 64);
const clients = flag("clients", 1000);
const workers = flag("workers", 2);
const skipPing = Bun.argv.includes("--no-ping");

/** Handshakes completed in `seconds` by `concurrency` loops of connect → handshake → close. */
async function handshakeRate(
  options: ConnectOptions,
): Promise<{ done: number; failures: number; cpuSeconds: number }> {
  const cpuBefore = process.cpuUsage();
  let done = 0;
  let failures = 0;
  const deadline = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      try {
        const connection = await connectNcp(options);
        connection.close();
        done++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const cpu = process.cpuUsage(cpuBefore);
  return { done, failures, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The floor's client loop: TLS connect, write a ClientHello, close on the first reply bytes. */
async function floorRate(port: number): Promise<{ done: number; failures: number; cpuSeconds: number }> {
  const cpuBefore = process.cpuUsage();
  let done = 0;
  let failures = 0;
  const deadline = performance.now() + seconds * 1000;
  const once = () =>
    new Promise<boolean>((resolve) => {
      const frame = createClientHello().frame;
      Bun.connect({
        hostname: "127.0.0.1",
        port,
        tls: { rejectUnauthorized: false },
        socket: {
          open: (socket) => void socket.write(frame),
          data: (socket) => {
            socket.end();
            resolve(true);
          },
          error: () => resolve(false),
          connectError: () => resolve(false),
          close: () => resolve(false),
        },
      }).catch(() => resolve(false));
    });
  const loop = async () => {
    while (performance.now() < deadline) {
      if (await once()) done++;
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const cpu = process.cpuUsage(cpuBefore);
  return { done, failures, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** CPU seconds (user, system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** Runs the handshake loop in `workers` client processes at once (the client side must not be the bottleneck). */
async function handshakeRateInWorkers(
  port: number,
  tls: boolean | "floor",
  runSeconds = seconds,
): Promise<{ perSecond: number; total: number; failures: number; clientCpuSeconds: number }> {
  const started = performance.now();
  const children = Array.from({ length: workers }, () =>
    Bun.spawn(
      [
        process.execPath,
        import.meta.path,
        "--worker",
        String(port),
        String(tls),
        "--seconds",
        String(runSeconds),
        "--concurrency",
        String(concurrency),
      ],
      {
        stdout: "pipe",
        stderr: "inherit",
      },
    ),
  );
  const outputs = await Promise.all(children.map((child) => new Response(child.stdout).text()));
  const elapsed = (performance.now() - started) / 1000;
  let total = 0;
  let failures = 0;
  let clientCpuSeconds = 0;
  for (const output of outputs) {
    const result = JSON.parse(output) as { done: number; failures: number; cpuSeconds: number };
    total += result.done;
    failures += result.failures;
    clientCpuSeconds += result.cpuSeconds;
  }
  return { perSecond: total / Math.min(elapsed, runSeconds + 0.5), total, failures, clientCpuSeconds };
}

/** The 1-minute load average (other work on the machine skews every figure). */
function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ")[0] ?? "?";
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Opens `clients` connections; then 5 extra clients ping 10 times each, one at a time; then all ping at once, 5 rounds. */
async function pingLatency(options: ConnectOptions): Promise<Record<string, number>> {
  const connections: NcpConnection[] = [];
  for (let i = 0; i < clients; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, clients - i) }, () => connectNcp(options)),
    );
    connections.push(...batch);
  }
  const single: number[] = [];
  for (let probeIndex = 0; probeIndex < 5; probeIndex++) {
    const probe = await connectNcp(options);
    for (let i = 0; i < 10; i++) single.push((await probe.ping()).rttMs);
    probe.close();
  }
  const all: number[] = [];
  for (let round = 0; round < 5; round++) {
    const results = await Promise.all(connections.map((c) => c.ping()));
    all.push(...results.map((r) => r.rttMs));
  }
  for (const c of connections) c.close();
  single.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  return {
    idle_p50: percentile(single, 50),
    idle_p99: percentile(single, 99),
    burst_p50: percentile(all, 50),
    burst_p99: percentile(all, 99),
    connected: connections.length,
  };
}

async function withServer<T>(
  tls: boolean,
  body: (port: number, pid: number, dir: string) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "norc-bench-"));
  writeFileSync(
    join(dir, "config.toml"),
    `[network]\nbind_address = "127.0.0.1"\nport = 0\nmax_connections = 10000\n[tls]\nenabled = ${tls}\n[logging]\nlevel = "warn"\n` +
      // every benchmark client is 127.0.0.1: lift the per-address handshakes limit (NCP-1 §10)
      "[limits]\nhandshakes_burst = 1000000\nhandshakes_per_minute = 1000000\n",
  );
  const server = startServer(["-c", join(dir, "config.toml"), "-l", "info"], { cwd: dir });
  try {
    const line = await server.waitFor(/listening on/, 20_000);
    const port = Number(/:(\d+)\b/.exec(line.slice(line.indexOf("listening on")))?.[1]);
    return await body(port, server.child.pid, dir);
  } finally {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the floor server on the NCP server's certificate; its CPU per handshake after the same warm-up. */
async function floorCpuPerHandshake(dir: string): Promise<{ cpuUs: number; perSecond: number }> {
  const tlsDir = join(dir, "data", "tls");
  const floor = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "bench", "handshake-floor-server.ts"),
      join(tlsDir, "server.crt"),
      join(tlsDir, "server.key"),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  try {
    const reader = floor.stdout.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const port = Number(/:(\d+)/.exec(first)?.[1]);
    if (warmup > 0) await handshakeRateInWorkers(port, "floor", warmup);
    const before = cpuSeconds(floor.pid);
    const rate = await handshakeRateInWorkers(port, "floor");
    const after = cpuSeconds(floor.pid);
    const cpu = after.user - before.user + after.system - before.system;
    return { cpuUs: (cpu / Math.max(1, rate.total)) * 1e6, perSecond: rate.perSecond };
  } finally {
    floor.kill("SIGKILL");
    await floor.exited;
  }
}

const workerIndex = Bun.argv.indexOf("--worker");
if (workerIndex >= 0) {
  const port = Number(Bun.argv[workerIndex + 1]);
  const tls = Bun.argv[workerIndex + 2] === "true";
  const result =
    Bun.argv[workerIndex + 2] === "floor"
      ? await floorRate(port)
      : await handshakeRate({ host: "127.0.0.1", port, tls: tls ? { insecure: true } : undefined });
  console.log(JSON.stringify(result));
  process.exit(0);
}

for (const tls of [false, true]) {
  const label = tls ? "TLS" : "plain TCP";
  await withServer(tls, async (port, pid, dir) => {
    const options: ConnectOptions = { host: "127.0.0.1", port, tls: tls ? { insecure: true } : undefined };
    // A fresh server runs its crypto code in lower JIT tiers for its first thousands of handshakes.
    if (warmup > 0) await handshakeRateInWorkers(port, tls, warmup);
    const cpuBefore = cpuSeconds(pid);
    const rate = await handshakeRateInWorkers(port, tls);
    const perHandshakeUs = (cpu: number) => (cpu / Math.max(1, rate.total)) * 1e6;
    const cpuAfter = cpuSeconds(pid);
    const serverUserUs = perHandshakeUs(cpuAfter.user - cpuBefore.user);
    const serverSystemUs = perHandshakeUs(cpuAfter.system - cpuBefore.system);
    const serverCpuUs = serverUserUs + serverSystemUs;
    const clientCpuUs = perHandshakeUs(rate.clientCpuSeconds);
    const cores = navigator.hardwareConcurrency;
    console.log(
      `${label}: ${rate.perSecond.toFixed(0)} handshakes/s (${workers} client processes × ${concurrency} concurrent, ${seconds} s, ${rate.failures} failures); ` +
        `server CPU ${serverCpuUs.toFixed(0)} µs per handshake (user ${serverUserUs.toFixed(0)}, system ${serverSystemUs.toFixed(0)}; ≈ ${(1e6 / serverCpuUs).toFixed(0)}/s if the server had a core to itself); ` +
        `client CPU ${clientCpuUs.toFixed(0)} µs (server + clients on ${cores} cores: at most ≈ ${((cores * 1e6) / (serverCpuUs + clientCpuUs)).toFixed(0)}/s); ` +
        `load average ${loadAverage()}`,
    );
    if (tls) {
      const floor = await floorCpuPerHandshake(dir);
      console.log(
        `${label} floor (TLS accept + X25519 keygen/derive, Ed25519 sign, BLAKE3 key schedule; same certificate): ` +
          `${floor.perSecond.toFixed(0)} handshakes/s, server CPU ${floor.cpuUs.toFixed(0)} µs per handshake; ` +
          `norc-server / floor = ${(serverCpuUs / floor.cpuUs).toFixed(2)}`,
      );
    }
    if (skipPing) return;
    const latency = await pingLatency(options);
    const f = (n: number | undefined) => (n ?? 0).toFixed(3);
    console.log(
      `${label}: ${latency.connected} clients connected; ping RTT one client p50 ${f(latency.idle_p50)} ms p99 ${f(latency.idle_p99)} ms; all at once p50 ${f(latency.burst_p50)} ms p99 ${f(latency.burst_p99)} ms`,
    );
  });
}
