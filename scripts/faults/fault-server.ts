/**
 * The compiled server for the K-b fault scenarios: plain TCP on 127.0.0.1 on a fixed free port
 * (so clients reconnect after a restart), registration open, rate limits out of the way, started
 * with an optional environment (e.g. libfaketime's), plus small figure helpers.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, cleanEnv, freePort } from "../../tests/helpers/binary.ts";
import { type ServerProcess, startServer } from "../../tests/helpers/server-process.ts";
import { quantile } from "./lib/quantile.ts";

/** Limits raised so that the scenarios measure the fault, not the token buckets. */
export const OPEN_LIMITS =
  "[limits]\nmessages_per_minute = 1000000\nmessages_burst = 1000000\nhandshakes_per_minute = 1000000\nhandshakes_burst = 1000000\nregistrations_per_hour = 1000000\nregistrations_burst = 1000000\ntime_sync_per_minute = 1000000\ntime_sync_burst = 1000000\nkey_lookups_per_minute = 1000000\nkey_lookups_burst = 1000000\npresence_per_minute = 1000000\npresence_burst = 1000000\nrevocations_per_hour = 1000000\nrevocations_burst = 1000000\n";

export interface FaultServerOptions {
  /** Config sections appended after [network], [tls], [daemon], [registration]. */
  extra?: string;
  /** `[network]` lines added (e.g. max_connections). */
  network?: string;
  /** `[daemon]` lines added (e.g. auto_restart = true). */
  daemon?: string;
  dataDir?: string;
  env?: Record<string, string>;
  limits?: string;
}

/** A running compiled server. */
export class FaultServer {
  process?: ServerProcess;

  readonly dataDir: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly options: FaultServerOptions,
  ) {
    this.dataDir = options.dataDir ?? join(dir, "data");
  }

  static async start(options: FaultServerOptions = {}): Promise<FaultServer> {
    const dir = mkdtempSync(join(tmpdir(), "norc-faults-"));
    const server = new FaultServer(dir, await freePort(), options);
    const dataDir = server.dataDir;
    writeFileSync(
      join(dir, "config.toml"),
      `[network]\nbind_address = "127.0.0.1"\nport = ${server.port}\nshutdown_timeout_secs = 2\n${options.network ?? ""}\n[tls]\nenabled = false\n\n[daemon]\npid_file = "${join(dir, "norc.pid")}"\n${options.daemon ?? ""}\n[registration]\npolicy = "open"\n\n[storage]\ndata_dir = "${dataDir}"\n${options.extra ?? ""}\n${options.limits ?? OPEN_LIMITS}`,
    );
    await server.run();
    return server;
  }

  /** (Re)starts the process and waits for its "listening" line. */
  async run(): Promise<void> {
    const process = startServer(["-c", "config.toml"], { cwd: this.dir, env: cleanEnv(this.options.env) });
    this.process = process;
    try {
      await process.waitFor(new RegExp(`listening on 127\\.0\\.0\\.1:${this.port}`), 20_000);
    } catch (error) {
      await process.kill();
      throw error;
    }
  }

  get target() {
    return { port: this.port };
  }

  get alive(): boolean {
    const child = this.process?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  output(): string {
    return this.process?.output() ?? "";
  }

  /** Lines the server logged at ERROR or above, or that look like a crash. */
  errorLines(): string[] {
    return this.output()
      .split("\n")
      .filter((l) => /\b(ERROR|FATAL)\s+norc_server:|panic|Segmentation fault|^\s+at .*\(/.test(l));
  }

  /** Resident set size of the server process in KiB (0 once it is gone). */
  rssKb(): number {
    const pid = this.process?.child.pid;
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  async stop(): Promise<void> {
    const child = this.process?.child;
    if (child === undefined || !this.alive) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await child.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    await this.process?.kill();
  }
}

/** "p50 x ms, p99 y ms" of latencies in ms. */
export function latencyText(values: number[]): string {
  return `p50 ${quantile(values, 0.5).toFixed(1)} ms, p99 ${quantile(values, 0.99).toFixed(1)} ms (n=${values.length})`;
}

/**
 * Whether established sessions kept their latency: p99 during <= 2 x p99 before + 250 ms. Loose on
 * purpose: the machine is shared (2 cores, the load generators run on it too); a server that stops
 * serving shows seconds, not this.
 */
export function p99Kept(before: number[], during: number[]): boolean {
  return during.length > 0 && quantile(during, 0.99) <= 2 * quantile(before, 0.99) + 250;
}

/** Prints the verdict line of a must-show and returns whether it was met. */
export function verdict(what: string, met: boolean, why = ""): boolean {
  console.log(`  must show: ${what}: ${met ? "met" : `NOT met${why === "" ? "" : ` (${why})`}`}`);
  return met;
}

export { BINARY };
