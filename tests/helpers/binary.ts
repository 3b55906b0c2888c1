import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The compiled binary every e2e test runs (`bun run build` makes it). */
export const BINARY = resolve(
  import.meta.dir,
  "../../dist",
  process.platform === "win32" ? "norc-server.exe" : "norc-server",
);

/** A clean environment: no NODE_ENV, no colours, no inherited NORC_* variables. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    NO_COLOR: "1",
    ...extra,
  };
}

/** A fresh temp directory, removed by `cleanup()`. */
export function tempDir(prefix = "norc-test-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the binary to completion (killed after `timeoutMs`) and returns what a user would see. */
export async function runBinary(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; stdin?: string } = {},
): Promise<RunResult> {
  const child = Bun.spawn([BINARY, ...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  try {
    const [stdout, stderr, exitCode] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { exitCode, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
/**
 * A port that is free now, below the ephemeral range (32768+): a port taken from there could be
 * handed to an outgoing connection meanwhile, and a poll could connect to itself. Picked at random
 * in 20000–32767 per process so parallel test files rarely collide, then checked by binding it.
 */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (await canBind(host, port)) return port;
  }
  throw new Error(`no free port below 32768 on ${host}`);
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, host, () => server.close(() => done(true)));
  });
}
