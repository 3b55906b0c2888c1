import { ExitCode } from "../errors.ts";
import { ControlUnavailable, sendControl } from "./control-client.ts";
import { findInstance } from "./find-instance.ts";
import type { InstancePaths } from "./instance-paths.ts";
import { RELOAD_REPLY_MS } from "./timeouts.ts";

/** What `reload` reports: result lines (stdout), problems (stderr), and its exit code. */
export interface ReloadReport {
  code: number;
  lines: string[];
  problems: string[];
  notice?: string;
}

/**
 * Asks the running instance to reload over the control channel and reports the real outcome:
 * applied (changed keys, keys that need a restart) or rejected (every problem, exit 78). Without a
 * channel, SIGHUP is sent and the report says the outcome is in the log. No instance: exit 7.
 */
export async function reloadInstance(paths: InstancePaths): Promise<ReloadReport> {
  const found = await findInstance(paths);
  if (found.state !== "running") {
    return {
      code: ExitCode.noInstance,
      lines: [],
      problems: [`no running norc-server to reload (PID file ${paths.pidFile})`],
    };
  }
  try {
    const reply = await sendControl(paths.endpoint, { op: "reload" }, RELOAD_REPLY_MS);
    if (!reply.ok) return { code: ExitCode.failure, lines: [], problems: [`reload failed: ${reply.error}`] };
    if (!("reload" in reply))
      return { code: ExitCode.failure, lines: [], problems: ["reload: unexpected answer from the server"] };
    const outcome = reply.reload;
    if (outcome.result === "rejected") {
      return {
        code: ExitCode.config,
        lines: ["reload rejected: the server keeps running with its previous configuration"],
        problems: outcome.problems,
      };
    }
    const lines = [
      outcome.changedKeys.length === 0
        ? "reload applied: no changes"
        : `reload applied: changed ${outcome.changedKeys.join(", ")}`,
    ];
    if (outcome.restartKeys.length > 0) {
      lines.push(`needs a restart to take effect (left as they were): ${outcome.restartKeys.join(", ")}`);
    }
    return { code: ExitCode.ok, lines, problems: [] };
  } catch (error) {
    if (!(error instanceof ControlUnavailable)) throw error;
    process.kill(found.pid, "SIGHUP");
    return {
      code: ExitCode.ok,
      lines: [`sent SIGHUP to pid ${found.pid}`],
      problems: [],
      notice: `the control channel did not answer (${error.message}): the reload outcome is in the server's log`,
    };
  }
}
