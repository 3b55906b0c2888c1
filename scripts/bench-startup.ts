import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { $ } from "bun";

/**
 * Times exec -> first accepted TLS connection for the compiled server (dist/norc-server; run
 * `bun run build` first) and for a minimal compiled Bun.listen TLS server built with the same
 * flags (the floor), alternating over several runs; prints medians and their ratio. Both use the
 * same EC P-256 certificate, valid for a year (a certificate close to expiry would add a warning
 * only norc-server writes). Several BINARY arguments compare builds (e.g. before and after a
 * change) in the same interleaved runs, so machine load hits them alike.
 *   bun scripts/bench-startup.ts [runs=15] [BINARY=dist/norc-server ...]
 */
const runs = Number(process.argv[2] ?? 15);
const root = resolve(import.meta.dir, "..");
const binaries = process.argv.slice(3).map((path) => resolve(path));
if (binaries.length === 0) binaries.push(join(root, "dist", "norc-server"));
const dir = mkdtempSync(join(tmpdir(), "norc-bench-startup-"));
const floorBinary = join(dir, "floor-server");

// Same flags as scripts/compile.ts, for a fair floor.
await $`bun build --compile --minify --bytecode --format=esm --no-compile-autoload-dotenv --no-compile-autoload-bunfig ${join(import.meta.dir, "bench", "floor-server.ts")} --outfile ${floorBinary}`.quiet();
const cert = join(dir, "server.crt");
const key = join(dir, "server.key");
await $`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ${key} -out ${cert} -subj /CN=localhost -days 365`.quiet();
await Bun.write(
  join(dir, "config.toml"),
  `[network]\nbind_address = "127.0.0.1"\n[tls]\ncert_file = "${cert}"\nkey_file = "${key}"\n[logging]\nlevel = "warn"\n`,
);

/**
 * CPU milliseconds a process has used so far, all threads (Linux /proc schedstat, ns resolution);
 * unlike wall time it barely moves when other jobs load the machine. NaN where unavailable.
 */
function cpuMs(pid: number): number {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    let ns = 0;
    for (const task of tasks)
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    return ns / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Wall and CPU milliseconds from spawn until a TLS handshake on `port` succeeds. */
async function timeToFirstTls(command: string[], port: number): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const child = Bun.spawn(command, { cwd: dir, stdout: "ignore", stderr: "inherit" });
  try {
    for (;;) {
      const ok = await new Promise<boolean>((done) => {
        Bun.connect({
          hostname: "127.0.0.1",
          port,
          tls: { rejectUnauthorized: false },
          socket: {
            data() {},
            // The handshake completed (success reports trust, which this client does not check).
            handshake: (socket) => {
              socket.end();
              done(true);
            },
            connectError: () => done(false),
            error: () => done(false),
            // Closed before the handshake (e.g. by the server's bind probe): try again.
            close: () => done(false),
          },
        }).catch(() => done(false));
      });
      if (ok) return { wall: performance.now() - started, cpu: cpuMs(child.pid) };
      if (child.exitCode !== null) throw new Error(`${command[0]} exited ${child.exitCode}`);
      await Bun.sleep(1);
    }
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
type Run = { wall: number; cpu: number };
const norc = binaries.map(() => [] as Run[]);
const floor: Run[] = [];
const floorOwnCa: Run[] = [];
const port = 19_443;
for (let i = 0; i < runs; i++) {
  floor.push(await timeToFirstTls([floorBinary, cert, key, String(port)], port));
  floorOwnCa.push(await timeToFirstTls([floorBinary, cert, key, String(port), "own-ca"], port));
  for (const [n, binary] of binaries.entries()) {
    norc[n]?.push(await timeToFirstTls([binary, "start", "--port", String(port)], port));
  }
}
rmSync(dir, { recursive: true, force: true });
const figures = (times: Run[]) => ({
  wall: median(times.map((t) => t.wall)),
  cpu: median(times.map((t) => t.cpu)),
});
const base = figures(floor);
console.log(
  `start-up to first TLS connection over ${runs} runs (load ${readLoad()}): floor median ${base.wall.toFixed(1)} ms wall, ${base.cpu.toFixed(1)} ms CPU`,
);
const ownCa = figures(floorOwnCa);
console.log(
  `  floor with its certificate as ca (skips Bun's root certificates, as norc-server does): median ${ownCa.wall.toFixed(1)} ms wall, ${ownCa.cpu.toFixed(1)} ms CPU`,
);
for (const [n, binary] of binaries.entries()) {
  const own = figures(norc[n] ?? []);
  console.log(
    `  ${binary}: median ${own.wall.toFixed(1)} ms wall, ratio ${(own.wall / base.wall).toFixed(2)} (target <= 1.5); ` +
      `${own.cpu.toFixed(1)} ms CPU, ratio ${(own.cpu / base.cpu).toFixed(2)}; ` +
      `against the own-ca floor: ${(own.wall / ownCa.wall).toFixed(2)} wall, ${(own.cpu / ownCa.cpu).toFixed(2)} CPU`,
  );
}

function readLoad(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}
