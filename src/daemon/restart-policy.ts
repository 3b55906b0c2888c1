import { ExitCode } from "../errors.ts";

/** A worker that stays up this long is healthy: the consecutive-restart count starts again at 0. */
export const STABLE_UPTIME_MS = 60_000;

export interface RestartPolicy {
  maxRestarts: number;
  cooldownMs: number;
  stableMs: number;
}

/** How a worker ended, as the supervisor saw it. */
export interface WorkerExit {
  code: number | null;
  signal: string | null;
  uptimeMs: number;
  /** The supervisor asked it to stop (stop, SIGTERM/SIGINT/SIGQUIT forwarded). */
  requested: boolean;
  /** The supervisor killed it for not answering the heartbeat, this long after its last answer. */
  hungMs?: number;
}

export type RestartDecision =
  | { action: "exit"; code: number; reason: string }
  | { action: "restart"; attempt: number; delayMs: number; reason: string };

/** "exit code 3", "signal SIGKILL", or why the supervisor killed it: how a worker ended, for log lines. */
export function describeExit(exit: Pick<WorkerExit, "code" | "signal" | "hungMs">): string {
  if (exit.hungMs !== undefined)
    return `no answer to the heartbeat for ${Math.round(exit.hungMs / 1000)} s: killed with SIGKILL`;
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/**
 * What the supervisor does when its worker ends, given the restarts made since the worker was
 * last stable. Requested stops and clean exits end the supervisor; a config error (78) is never
 * restarted; a crash is restarted after the cooldown until `maxRestarts` consecutive restarts.
 */
export function decideRestart(
  exit: WorkerExit,
  consecutive: number,
  policy: RestartPolicy,
): { decision: RestartDecision; consecutive: number } {
  const how = describeExit(exit);
  if (exit.requested)
    return {
      decision: { action: "exit", code: exit.code ?? 0, reason: `worker stopped (${how})` },
      consecutive,
    };
  if (exit.code === 0)
    return {
      decision: { action: "exit", code: 0, reason: "worker exited cleanly (exit code 0)" },
      consecutive,
    };
  if (exit.code === ExitCode.config) {
    return {
      decision: {
        action: "exit",
        code: ExitCode.config,
        reason:
          "worker rejected the configuration (exit code 78); not restarting: `norc-server validate-config` (same -c) lists the problems",
      },
      consecutive,
    };
  }
  const count = exit.uptimeMs >= policy.stableMs ? 0 : consecutive;
  if (count >= policy.maxRestarts) {
    const reason = `worker failed again (${how}) after ${count} consecutive restarts (daemon.max_restarts = ${policy.maxRestarts}); giving up`;
    return { decision: { action: "exit", code: ExitCode.failure, reason }, consecutive: count };
  }
  const attempt = count + 1;
  const reason = `worker ended unexpectedly (${how}); restart ${attempt} of ${policy.maxRestarts} in ${policy.cooldownMs / 1000} s`;
  return {
    decision: { action: "restart", attempt, delayMs: policy.cooldownMs, reason },
    consecutive: attempt,
  };
}
