import { closeSync, writeSync } from "node:fs";
import type { ListenInfo } from "../server/server-handle.ts";
import { redirectStdio } from "./redirect-stdio.ts";

/** Env: the fd (a pipe inherited from `start --daemon`) the top process reports READY/FAIL on. */
export const READY_FD_ENV = "NORCSERVER_READY_FD";
/** Env: where a daemon's stdout/stderr go once it is ready (the starting CLI stops reading then). */
export const DAEMON_STDIO_ENV = "NORCSERVER_DAEMON_STDIO";

/** One line on the readiness pipe. */
export type ReadyMessage =
  | { ok: true; pid: number; listen: ListenInfo }
  | { ok: false; code: number; message: string };

/** True when this process was started by `start --daemon` and must report readiness. */
export function hasReadinessChannel(): boolean {
  return process.env[READY_FD_ENV] !== undefined;
}

/** Reports the outcome of start-up to the waiting CLI (once), detaching stdio first on success. */
export function notifyStarter(message: ReadyMessage): void {
  const fdText = process.env[READY_FD_ENV];
  if (fdText === undefined) return;
  delete process.env[READY_FD_ENV];
  if (message.ok) detachStdio();
  const fd = Number(fdText);
  try {
    writeSync(fd, `${JSON.stringify(message)}\n`);
    closeSync(fd);
  } catch {
    // the CLI was killed while waiting: nobody to tell
  }
}

let detached = false;

/** True when this process runs as a daemon (`start --daemon`, or a worker of such a supervisor). */
export function isDaemon(): boolean {
  return process.env[DAEMON_STDIO_ENV] !== undefined;
}

/**
 * A ready daemon process stops writing into the starter's pipes: they go to the daemon's log
 * file (/dev/null only when that cannot be opened).
 */
export function detachStdio(): void {
  const target = process.env[DAEMON_STDIO_ENV];
  if (target === undefined) return;
  detached = true;
  pointStdioAt(target);
}

/** After detaching, a daemon's stdout/stderr follow its log file (a rotation, reopen or reload opened `path`). */
export function stdioFollows(path: string): void {
  if (detached) pointStdioAt(path);
}

function pointStdioAt(path: string): void {
  try {
    redirectStdio(path);
  } catch {
    redirectStdio("/dev/null");
  }
}
