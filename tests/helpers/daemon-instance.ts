import { readdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { cleanEnv, freePort, runBinary, tempDir } from "./binary.ts";

/** A temp dir holding one instance's config.toml, with its PID file at run/norc.pid. */
export function writeInstanceConfig(dir: string, port: number, extra = ""): string {
  const path = join(dir, "config.toml");
  writeFileSync(
    path,
    `[network]\nbind_address = "127.0.0.1"\nport = ${port}\nshutdown_timeout_secs = 5\n\n[tls]\nenabled = false\n\n[logging]\nfile = "./server.log"\n\n[daemon]\npid_file = "./run/norc.pid"\n${extra}`,
  );
  return path;
}

/** Runs the binary in `dir` (clean env). */
export function cli(dir: string, ...args: string[]) {
  return runBinary(args, { cwd: dir, env: cleanEnv(), timeoutMs: 45_000 });
}

/**
 * Alive and not a zombie (this container's pid 1 does not reap orphans quickly). A zombie leader
 * whose other threads are still exiting still holds its sockets, so it counts as running.
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") return true;
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

function isNorcServer(pid: number): boolean {
  try {
    return isRunning(pid) && readlinkSync(`/proc/${pid}/exe`).includes("norc-server");
  } catch {
    return false;
  }
}

/** Every live norc-server process whose working directory is `dir`: the processes of the instance. */
export function instanceProcesses(dir: string): number[] {
  const pids: number[] = [];
  const real = realpathSync(dir);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`).replace(/ \(deleted\)$/, "");
      if (cwd !== real) continue;
      if (!readlinkSync(`/proc/${entry}/exe`).includes("norc-server")) continue;
      if (isRunning(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** SIGKILLs whatever of the instance still runs (by cwd, and the PID file's pid): for `finally`. */
export function killInstance(dir: string): void {
  const fromFile = pidFromFile(dir);
  const extra = fromFile !== undefined && isNorcServer(fromFile) ? [fromFile] : [];
  for (const pid of [...extra, ...instanceProcesses(dir)]) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/** The pid in the instance's PID file, or undefined. */
export function pidFromFile(dir: string): number | undefined {
  try {
    return Number(readFileSync(join(dir, "run/norc.pid"), "utf8").trim());
  } catch {
    return undefined;
  }
}

/** True once a TCP connection to 127.0.0.1:port is accepted. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Polls `check` until it is true or `timeoutMs` passes. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await Bun.sleep(50);
  }
}

const liveDirs = new Set<{ path: string; cleanup: () => void }>();

/** A temp dir for one instance, killed and removed by `cleanupInstances` (afterEach) whatever happens. */
export function instanceDir(prefix: string): string {
  const dir = tempDir(prefix);
  liveDirs.add(dir);
  return dir.path;
}

/** Kills every instance made by `instanceDir` and removes its directory: `afterEach(cleanupInstances)`. */
export function cleanupInstances(): void {
  for (const dir of liveDirs) {
    killInstance(dir.path);
    dir.cleanup();
  }
  liveDirs.clear();
}

/** Runs `body` in a fresh instance directory with a free port; cleanup as `cleanupInstances`. */
export async function withInstance(
  prefix: string,
  body: (dir: string, port: number) => Promise<void>,
): Promise<void> {
  const dir = instanceDir(prefix);
  try {
    await body(dir, await freePort());
  } finally {
    cleanupInstances();
  }
}
