import { ExitCode } from "../errors.ts";
import { ControlUnavailable, sendControl } from "./control-client.ts";
import { findInstance, removeLeftovers, waitForExit } from "./find-instance.ts";
import type { InstancePaths } from "./instance-paths.ts";
import { childrenOf, isAlive } from "./process-probe.ts";
import { KILL_WAIT_MS } from "./timeouts.ts";

/** What `stop` did, as lines for the operator, and its exit code. */
export interface StopOutcome {
  code: number;
  notes: string[];
  warnings: string[];
}

/**
 * Stops the instance of a PID file: graceful over the control channel (SIGTERM when it is not
 * reachable), waits until every process of the instance is gone, and SIGKILLs the supervisor and
 * worker after `timeoutMs` or at once with `force`. Leftover files of a dead instance are removed.
 */
export async function stopInstance(
  paths: InstancePaths,
  options: { force: boolean; timeoutMs: number },
): Promise<StopOutcome> {
  const found = await findInstance(paths);
  if (found.state === "none") {
    const note = `norc-server is not running (no PID file at ${paths.pidFile})`;
    return { code: options.force ? ExitCode.noInstance : ExitCode.ok, notes: [note], warnings: [] };
  }
  if (found.state === "stale") {
    removeLeftovers(paths, found.pid);
    const who =
      found.pid === undefined ? "no valid pid" : `pid ${found.pid}, which is not a running norc-server`;
    return {
      code: ExitCode.ok,
      notes: [`norc-server is not running; removed the stale PID file ${paths.pidFile} (${who})`],
      warnings: [],
    };
  }
  const worker = found.status?.workerPid;
  const pids = [...new Set([found.pid, ...(worker ? [worker] : []), ...childrenOf(found.pid)])];
  const tree = describeTree(pids);
  if (options.force) {
    killAll(pids);
    await waitForExit(pids, KILL_WAIT_MS);
    removeLeftovers(paths, found.pid);
    return { code: ExitCode.ok, notes: [`killed norc-server (${tree}) with SIGKILL`], warnings: [] };
  }
  const how = await askToStop(paths, found.pid, pids);
  if (await waitForExit(pids, options.timeoutMs)) {
    removeLeftovers(paths, found.pid);
    return { code: ExitCode.ok, notes: [`norc-server stopped (${tree}; ${how})`], warnings: [] };
  }
  killAll(pids);
  await waitForExit(pids, KILL_WAIT_MS);
  removeLeftovers(paths, found.pid);
  return {
    code: ExitCode.ok,
    notes: [`norc-server killed with SIGKILL (${tree})`],
    warnings: [`it did not stop within ${options.timeoutMs / 1000} s after ${how}`],
  };
}

async function askToStop(paths: InstancePaths, pid: number, pids: number[]): Promise<string> {
  try {
    const reply = await sendControl(paths.endpoint, { op: "stop", mode: "graceful" }, 5000);
    if (reply.ok && "stopping" in reply) {
      for (const extra of reply.stopping) if (!pids.includes(extra)) pids.push(extra);
      return "graceful stop asked over the control channel";
    }
  } catch (error) {
    if (!(error instanceof ControlUnavailable)) throw error;
  }
  process.kill(pid, "SIGTERM");
  return "SIGTERM sent (control channel unavailable)";
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    if (!isAlive(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
}

function describeTree(pids: number[]): string {
  return pids.length > 1 ? `supervisor pid ${pids[0]}, worker pid ${pids[1]}` : `pid ${pids[0]}`;
}
