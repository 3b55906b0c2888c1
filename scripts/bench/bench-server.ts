import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServerProcess, startServer } from "../../tests/helpers/server-process.ts";

/** The compiled server as the benches run it: TLS (generated certificate), open registration, limits lifted. */
export interface BenchServer {
  port: number;
  pid: number;
  dir: string;
  process: ServerProcess;
  /** SIGKILL (or SIGTERM) and wait; the directory stays until `cleanup`. */
  stop: (signal?: "SIGKILL" | "SIGTERM") => Promise<void>;
  /** Starts the server again in the same directory on the same port (same store, same certificate). */
  restart: () => Promise<BenchServer>;
  cleanup: () => void;
}

/** A config for load: every client is 127.0.0.1, so the per-address and per-device limits are lifted. */
export function benchConfig(port: number, extra = "", backups = true): string {
  const huge = 1_000_000_000;
  return [
    `[network]\nbind_address = "127.0.0.1"\nport = ${port}\nmax_connections = 100000\nshutdown_timeout_secs = 1`,
    `[tls]\nenabled = true`,
    `[logging]\nlevel = "info"`,
    `[registration]\npolicy = "open"`,
    // cluster mode has no backups, and rejects the key
    `[storage]\ndata_dir = "./data"${backups ? "\nbackup_interval_hours = 0" : ""}`,
    `[session]\nmax_messages = ${huge}\nidle_timeout_secs = 3600`,
    `[limits]\nmessages_per_minute = ${huge}\nmessages_burst = ${huge}\nregistrations_per_hour = ${huge}\nregistrations_burst = ${huge}\nhandshakes_per_minute = ${huge}\nhandshakes_burst = ${huge}\nkey_lookups_per_minute = ${huge}\nkey_lookups_burst = ${huge}\ntime_sync_per_minute = ${huge}\ntime_sync_burst = ${huge}`,
    extra,
  ].join("\n\n");
}

/**
 * BENCH_PROFILE=DIR runs the source build under `bun --cpu-prof --cpu-prof-md` (profiles written to
 * DIR on a SIGTERM stop); BENCH_BINARY=PATH another compiled binary (a before/after comparison);
 * otherwise dist/norc-server.
 */
function serverCommand(): string[] | undefined {
  const profileDir = Bun.env.BENCH_PROFILE;
  if (profileDir === undefined)
    return Bun.env.BENCH_BINARY === undefined ? undefined : [Bun.env.BENCH_BINARY];
  const main = join(import.meta.dir, "../../src/main.ts");
  return [process.execPath, "--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${profileDir}`, main];
}

async function launch(dir: string, port: number, extra: string): Promise<BenchServer> {
  const process = startServer(["-c", join(dir, "config.toml")], { cwd: dir, command: serverCommand() });
  let line: string;
  try {
    line = await process.waitFor(/listening on/, 30_000);
  } catch (error) {
    await process.kill();
    throw error;
  }
  const bound = Number(/:(\d+)\b/.exec(line.slice(line.indexOf("listening on")))?.[1]);
  const server: BenchServer = {
    port: bound,
    pid: process.child.pid,
    dir,
    process,
    stop: async (signal = Bun.env.BENCH_PROFILE === undefined ? "SIGKILL" : "SIGTERM") => {
      if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill(signal);
      await process.child.exited;
    },
    restart: async () => {
      await server.stop();
      return launch(dir, bound, extra);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  if (port === 0) writeFileSync(join(dir, "config.toml"), benchConfig(bound, extra));
  return server;
}

/** Starts dist/norc-server (run `bun run build` first) in a fresh temporary directory. */
export async function startBenchServer(extra = ""): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), "norc-bench-"));
  writeFileSync(join(dir, "config.toml"), benchConfig(0, extra));
  return launch(dir, 0, extra);
}
