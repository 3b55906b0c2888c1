import { existsSync } from "node:fs";
import { unlinkQuietly } from "../util/atomic-write.ts";
import { ControlUnavailable, sendControl } from "./control-client.ts";
import type { InstanceStatus } from "./control-protocol.ts";
import { releaseLock } from "./instance-lock.ts";
import { endpointFile, type InstancePaths } from "./instance-paths.ts";
import { readPidFile, removePidFileIfOwned } from "./pid-file.ts";
import { isAlive, isNorcServer } from "./process-probe.ts";

/** What the CLI finds behind a PID file. */
export type FoundInstance =
  | { state: "running"; pid: number; status?: InstanceStatus; channelError?: string }
  | { state: "stale"; pid?: number }
  | { state: "none" };

/**
 * Looks for the instance of a PID file: its control channel first (full status), else the PID
 * file's process if it is a live norc-server (signals only), else stale (file left behind) or none.
 */
export async function findInstance(paths: InstancePaths): Promise<FoundInstance> {
  const pid = readPidFile(paths.pidFile);
  let channelError: string | undefined;
  if (existsSync(endpointFile(paths.endpoint))) {
    try {
      const reply = await sendControl(paths.endpoint, { op: "status" }, 5000);
      if (reply.ok && "status" in reply)
        return { state: "running", pid: reply.status.pid, status: reply.status };
      if (!reply.ok) channelError = reply.error;
    } catch (error) {
      if (!(error instanceof ControlUnavailable)) throw error;
      channelError = error.message;
    }
  }
  if (pid !== undefined && isNorcServer(pid)) return { state: "running", pid, channelError };
  return existsSync(paths.pidFile) ? { state: "stale", pid } : { state: "none" };
}

/** Removes what a dead instance left (PID file, lock, socket) if they still name `pid`. */
export function removeLeftovers(paths: InstancePaths, pid: number | undefined): void {
  if (pid !== undefined && isAlive(pid) && isNorcServer(pid)) return;
  if (pid === undefined || !removePidFileIfOwned(paths.pidFile, pid)) {
    if (readPidFile(paths.pidFile) === undefined) unlinkQuietly(paths.pidFile);
  }
  if (pid !== undefined) releaseLock(paths.lockFile, pid);
  const lockOwner = readPidFile(paths.lockFile);
  if (lockOwner === undefined || !isNorcServer(lockOwner)) {
    unlinkQuietly(paths.lockFile);
    unlinkQuietly(paths.socketPath);
    unlinkQuietly(paths.controlFile);
  }
}

/** Waits until none of `pids` is alive; false when `timeoutMs` passed first. */
export async function waitForExit(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() >= deadline) return false;
    await Bun.sleep(50);
  }
  return true;
}
