import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, freePort, runBinary } from "./binary.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

/**
 * The compiled server in `dir` on a fixed free port (so clients reconnect to it after a restart),
 * plain TCP on loopback, `[registration] policy = "open"`, logs on stdout, with a PID file so
 * `device ...` commands reach it. `extra` is appended to the config (more sections).
 */
export class MessagingServer {
  process?: ServerProcess;
  fingerprint = "";

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(dir: string, extra = "", policy = "open"): Promise<MessagingServer> {
    const server = new MessagingServer(dir, await freePort());
    writeFileSync(
      join(dir, "config.toml"),
      `[network]\nbind_address = "127.0.0.1"\nport = ${server.port}\nshutdown_timeout_secs = 2\n\n[tls]\nenabled = false\n\n[daemon]\npid_file = "./run/norc.pid"\n\n[logging]\nlevel = "debug"\n\n[registration]\npolicy = "${policy}"\n\n${extra}`,
    );
    await server.run();
    return server;
  }

  /** (Re)starts the process and waits for its "listening" line. */
  async run(): Promise<void> {
    const process = startServer(["-c", "config.toml"], { cwd: this.dir, env: cleanEnv() });
    this.process = process;
    try {
      const line = await process.waitFor(/server identity fingerprint: [0-9a-f]{64}/);
      this.fingerprint = /([0-9a-f]{64})/.exec(line)?.[1] ?? "";
      await process.waitFor(new RegExp(`listening on 127\\.0\\.0\\.1:${this.port}`));
    } catch (error) {
      await process.kill();
      throw error;
    }
  }

  /** SIGTERM (graceful) or SIGKILL, then waits for the exit. */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const child = this.process?.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await child.exited;
    clearTimeout(timer);
  }

  async restart(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    await this.stop(signal);
    await this.run();
  }

  /** What the server logged so far (this run). */
  output(): string {
    return this.process?.output() ?? "";
  }

  /** `norc-server -c config.toml ARGS` in the server's directory. */
  cli(...args: string[]) {
    return runBinary(["-c", "config.toml", ...args], { cwd: this.dir, env: cleanEnv(), timeoutMs: 30_000 });
  }

  async kill(): Promise<void> {
    await this.process?.kill();
  }
}
