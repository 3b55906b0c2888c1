import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { $ } from "bun";

/**
 * Times exec -> first accepted TLS connection for the compiled server (dist/norc-server; run
 * `bun run build` first) and for a minimal compiled Bun.listen TLS server built with the same
 * flags (the floor), alternating over several runs; prints medians and their ratio. Both use the
 * same EC P-256 certificate, valid for a year (a certificate close to expiry would add a warning
 * only norc-server writes). BINARY compares another build (e.g. the one before a change).
 *   bun scripts/bench-startup.ts [runs=15] [BINARY=dist/norc-server]
 */
const runs = Number(process.argv[2] ?? 15);
const root = resolve(import.meta.dir, "..");
const norcBinary = resolve(process.argv[3] ?? join(root, "dist", "norc-server"));
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

/** Milliseconds from spawn until a TLS handshake on `port` succeeds. */
async function timeToFirstTls(command: string[], port: number): Promise<number> {
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
      if (ok) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`${command[0]} exited ${child.exitCode}`);
      await Bun.sleep(1);
    }
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const norc: number[] = [];
const floor: number[] = [];
const port = 19_443;
for (let i = 0; i < runs; i++) {
  floor.push(await timeToFirstTls([floorBinary, cert, key, String(port)], port));
  norc.push(await timeToFirstTls([norcBinary, "start", "--port", String(port)], port));
}
rmSync(dir, { recursive: true, force: true });
console.log(
  `start-up to first TLS connection over ${runs} runs: norc-server median ${median(norc).toFixed(1)} ms, ` +
    `floor median ${median(floor).toFixed(1)} ms, ratio ${(median(norc) / median(floor)).toFixed(2)} (target <= 1.5)`,
);
