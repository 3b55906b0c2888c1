/**
 * A daemon instance of the compiled binary for the fault scenarios: its own temp dir, config.toml
 * (plain TCP on loopback, open registration, json log in server.log, PID file run/norc.pid), a free
 * port below 32768, started with `start -d`, and what a scenario asks of it (processes, files, RSS).
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ConnectOptions } from "../../../src/client/ncp-client.ts";
import { MemoryTrustStore } from "../../../src/client/trust-store.ts";

/** The binary every scenario runs (`bun run build` makes it). */
export const BINARY = resolve(import.meta.dir, "../../../dist/norc-server");

/** TOML sections: { network: { port: 1 } }. */
export type Sections = Record<string, Record<string, unknown>>;

/** Send limits high enough that a storm is never rate limited (the scenarios are about faults). */
export const STORM_LIMITS = {
  messages_per_minute: 6_000_000,
  messages_burst: 1_000_000,
  registrations_per_hour: 36_000,
  registrations_burst: 1_000,
};

/** A port free a moment ago, in 20000–32767 (below the ephemeral range). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    const free = await new Promise<boolean>((done) => {
      const server = createServer();
      server.once("error", () => done(false));
      server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port below 32768");
}

/** Records every unhandled rejection (of the client library, say) in `problems`: a scenario fails on one. */
export function watchUnhandled(problems: string[]): void {
  process.on("unhandledRejection", (reason) => {
    problems.push(
      `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  });
}

/** Polls `check` every 20 ms until it is true or `timeoutMs` passes. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await Bun.sleep(20);
  }
}

/** Alive and not a zombie whose threads are all gone. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") return true;
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

/** Resident memory of `pid` in MiB (VmRSS), or 0 when it is gone. */
export function rssMb(pid: number): number {
  try {
    const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return Math.round(Number(line?.[1] ?? 0) / 102.4) / 10;
  } catch {
    return 0;
  }
}

const toToml = (sections: Sections) =>
  Object.entries(sections)
    .flatMap(([name, values]) => [
      `[${name}]`,
      ...Object.entries(values).map(([k, v]) => `${k} = ${JSON.stringify(v)}`),
    ])
    .join("\n");

/** One instance in a temp dir; `close()` kills whatever of it still runs and removes the dir. */
export class Instance {
  readonly server: ConnectOptions;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly base: Sections,
  ) {
    this.server = { host: "127.0.0.1", port, trustStore: new MemoryTrustStore() };
  }

  /** Writes the config (the base plus `extra`, merged per section, kept by later `configure`) and starts it with `start -d`. */
  static async start(prefix: string, extra: Sections = {}): Promise<Instance> {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
    const port = await freePort();
    const base: Sections = {
      network: { bind_address: "127.0.0.1", port, shutdown_timeout_secs: 5 },
      tls: { enabled: false },
      logging: { file: "./server.log", format: "json", level: "info" },
      daemon: { pid_file: "./run/norc.pid" },
      registration: { policy: "open" },
      limits: STORM_LIMITS,
    };
    for (const [name, values] of Object.entries(extra)) base[name] = { ...base[name], ...values };
    const instance = new Instance(dir, port, base);
    await instance.configure({});
    const started = await instance.cli("start", "-d");
    if (started.exitCode !== 0) {
      instance.close();
      throw new Error(`start failed (exit ${started.exitCode}): ${started.stderr}${started.stdout}`);
    }
    return instance;
  }

  /** Rewrites config.toml from the base and `extra`, then raw `suffix` (then `reload`, SIGHUP or a restart). */
  async configure(extra: Sections, suffix = ""): Promise<void> {
    const sections: Sections = { ...this.base };
    for (const [name, values] of Object.entries(extra)) sections[name] = { ...sections[name], ...values };
    await Bun.write(join(this.dir, "config.toml"), `${toToml(sections)}\n${suffix}`);
  }

  /** `norc-server ARGS -c config.toml` in the instance's dir, clean env, killed after `timeoutMs`. */
  async cli(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const child = this.launch(...args);
    const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    clearTimeout(timer);
    return { exitCode, stdout, stderr };
  }

  /** `norc-server ARGS -c config.toml` started, not waited for (stdout and stderr piped). */
  launch(...args: string[]) {
    return Bun.spawn([BINARY, ...args, "-c", "config.toml"], {
      cwd: this.dir,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir, NO_COLOR: "1" },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  }

  /** `status --json`: the top pid, the worker's (when supervised), restarts. */
  async status(): Promise<{ pid: number; worker_pid?: number; restarts?: number } | undefined> {
    const result = await this.cli("status", "--json");
    try {
      return JSON.parse(result.stdout);
    } catch {
      return undefined;
    }
  }

  /** Every live norc-server process whose working directory is this instance's dir. */
  processes(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readlinkSync(`/proc/${entry}/cwd`).replace(/ \(deleted\)$/, "") !== this.dir) continue;
        if (readlinkSync(`/proc/${entry}/exe`).includes("norc-server") && isRunning(Number(entry)))
          pids.push(Number(entry));
      } catch {
        // gone, or not ours to read
      }
    }
    return pids;
  }

  /** SIGKILLs every process of the instance and waits (up to 10 s) until none runs. */
  async killAll(): Promise<number[]> {
    const pids = this.processes();
    for (const pid of pids) process.kill(pid, "SIGKILL");
    await eventually(() => pids.every((pid) => !isRunning(pid)), 10_000);
    return pids;
  }

  /** Files the instance leaves beside its PID file (pid, lock, control socket): none once stopped. */
  leftovers(): string[] {
    const run = join(this.dir, "run");
    return existsSync(run) ? readdirSync(run) : [];
  }

  /** server.log as parsed json lines. */
  log(): Record<string, unknown>[] {
    let text = "";
    try {
      text = readFileSync(join(this.dir, "server.log"), "utf8");
    } catch {
      return [];
    }
    return text
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Kills what still runs; removes the dir unless `keep`. */
  close(keep = false): void {
    for (const pid of this.processes()) process.kill(pid, "SIGKILL");
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
