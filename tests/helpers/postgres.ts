import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQL } from "bun";
import { freePort } from "./binary.ts";

// A private Postgres for the test process (MESSAGING.md facts: Debian's Postgres 15 on this image):
// initdb in a temp dir, a free port below 32768, the unix socket in the temp dir. One server per
// process, started on first use. `bun test` runs no "exit" handlers, so a watchdog shell started
// with the server stops it (pg_ctl stop -m fast) and removes its directory within half a second of
// the process ending, however it ended; scripts (`bun script.ts`) also stop it from "exit".

/** The database superuser of the test server (trust authentication on 127.0.0.1 only). */
export const POSTGRES_USER = "norc";

/** How the test server runs: `durable` keeps fsync on (benchmarks); tests turn it off for speed. */
export interface PostgresOptions {
  durable?: boolean;
}

/** The running test server. */
export interface PostgresServer {
  host: string;
  port: number;
  /** Directory of the server's unix socket (`.s.PGSQL.<port>`). */
  socketDir: string;
  dataDir: string;
  /** The server's log file, read when a start fails. */
  logFile: string;
  /** A URL of the server's `postgres` database, for admin statements. */
  adminUrl: string;
}

let started: Promise<Server> | undefined;

/** The bin directory of the newest installed Postgres (`/usr/lib/postgresql/<n>/bin`), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin");
}

/** Whether this machine can run the test server (the Debian `postgresql` package is installed). */
export function postgresAvailable(): boolean {
  return postgresBinDir() !== undefined;
}

/** The process's test server, started (initdb + pg_ctl start) on the first call. */
export function postgresServer(options: PostgresOptions = {}): Promise<PostgresServer> {
  started ??= Server.create(options.durable ?? false).catch((error) => {
    started = undefined;
    throw error;
  });
  return started.then((server) => server.info);
}

/** A postgres:// URL of a new, empty database of the test server (one per test or fixture). */
export async function freshDatabase(): Promise<string> {
  const server = await postgresServer();
  const name = `t_${process.pid}_${++databases}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new SQL({ url: server.adminUrl, max: 1 });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.close();
  }
  return `postgres://${POSTGRES_USER}@${server.host}:${server.port}/${name}`;
}
let databases = 0;

/** Stops the test server (`pg_ctl stop -m fast`), keeping its data: "Postgres goes away". */
export async function stopPostgres(): Promise<void> {
  await (await requireStarted()).stop("fast");
}

/** Starts the stopped test server again on the same port and data: "... and comes back". */
export async function startPostgres(): Promise<void> {
  await (await requireStarted()).start();
}

async function requireStarted(): Promise<Server> {
  if (started === undefined) throw new Error("the test Postgres was never started (call postgresServer())");
  return started;
}

class Server {
  private constructor(
    readonly info: PostgresServer,
    private readonly bin: string,
    private readonly root: string,
    private readonly durable: boolean,
  ) {}

  static async create(durable: boolean): Promise<Server> {
    const bin = postgresBinDir();
    if (bin === undefined) {
      throw new Error("no Postgres under /usr/lib/postgresql/*/bin: install the Debian postgresql package");
    }
    const root = mkdtempSync(join(tmpdir(), "norc-pg-"));
    const dataDir = join(root, "data");
    const logFile = join(root, "postgres.log");
    const info = { host: "127.0.0.1", port: 0, socketDir: root, dataDir, logFile, adminUrl: "" };
    const server = new Server(info, bin, root, durable);
    try {
      if (asRoot()) chownSync(root, postgresUid(), postgresGid());
      await server.run(["initdb", "-D", dataDir, "-A", "trust", "-U", POSTGRES_USER, "-E", "UTF8"]);
      await server.startOnFreePort();
      server.watch();
    } catch (error) {
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
    process.once("exit", () => server.stopAtExit());
    return server;
  }

  /** Starts the server; the port stays the same across stop/start. */
  async start(): Promise<void> {
    const { port, socketDir } = this.info;
    const settings = [
      `-p ${port}`,
      `-k ${socketDir}`,
      "-c listen_addresses=127.0.0.1",
      "-c max_connections=300",
      ...(this.durable ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
    ].join(" ");
    const args = ["pg_ctl", "-w", "-t", "60", "-D", this.info.dataDir, "-l", this.info.logFile];
    await this.run([...args, "-o", settings, "start"]);
  }

  async stop(mode: "fast" | "immediate"): Promise<void> {
    await this.run(["pg_ctl", "-w", "-D", this.info.dataDir, "-m", mode, "stop"]);
  }

  private async startOnFreePort(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.info.port = await freePort();
      this.info.adminUrl = `postgres://${POSTGRES_USER}@127.0.0.1:${this.info.port}/postgres`;
      try {
        await this.start();
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  }

  /** Runs a Postgres tool from the bin directory, as the `postgres` user when this process is root. */
  private async run(command: string[]): Promise<void> {
    const [tool = "", ...args] = command;
    const argv = [join(this.bin, tool), ...args];
    const child = Bun.spawn(asRoot() ? ["runuser", "-u", "postgres", "--", ...argv] : argv, {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    if (code === 0) return;
    const log = existsSync(this.info.logFile) ? readFileSync(this.info.logFile, "utf8").slice(-2000) : "";
    throw new Error(`${tool} failed (${code}): ${stderr || stdout}\n${log}`);
  }

  /** A shell that stops the server and removes its directory once this process is gone, however it ended. */
  private watch(): void {
    const pgCtl = join(this.bin, "pg_ctl");
    const stop = `${asRoot() ? "runuser -u postgres -- " : ""}${pgCtl} -D '${this.info.dataDir}' -m fast -w stop`;
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; ${stop} >/dev/null 2>&1; rm -rf '${this.root}'`;
    const watchdog = Bun.spawn(["sh", "-c", script], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    watchdog.unref();
  }

  private stopAtExit(): void {
    const argv = [join(this.bin, "pg_ctl"), "-D", this.info.dataDir, "-m", "fast", "-w", "stop"];
    Bun.spawnSync(asRoot() ? ["runuser", "-u", "postgres", "--", ...argv] : argv, {
      stdout: "ignore",
      stderr: "ignore",
    });
    rmSync(this.root, { recursive: true, force: true });
  }
}

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

function postgresUid(): number {
  return Number(Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim());
}

function postgresGid(): number {
  return Number(Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim());
}
