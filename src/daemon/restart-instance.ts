import { ExitCode } from "../errors.ts";
import { findInstance } from "./find-instance.ts";
import type { InstancePaths } from "./instance-paths.ts";
import { selfCommand } from "./self-command.ts";
import { restartRefusal } from "./service-manager.ts";
import { stopInstance } from "./stop-instance.ts";
import { gracefulStopWaitSecs } from "./timeouts.ts";

/** Where `restart` says what happens, as it happens (the new daemon prints between the lines). */
export interface RestartReport {
  note(line: string): void;
  warning(line: string): void;
  /** validate-config's own output, passed through unchanged. */
  problems(text: string): void;
}

/** What `restart` was asked: the instance, and the command line to use when none is recorded. */
export interface RestartRequest {
  paths: InstancePaths;
  shutdownTimeoutSecs: number;
  /** The arguments of this `restart` (without -d), and whether they override anything. */
  argv: string[];
  overrides: boolean;
}

/**
 * Checks the config the new start would read, stops the running instance gracefully, then
 * starts it as a daemon with the arguments and directory it was started with (unless this
 * command overrides them). A config that fails validation stops nothing. Returns the exit code.
 */
export async function restartInstance(request: RestartRequest, report: RestartReport): Promise<number> {
  const { paths } = request;
  const found = await findInstance(paths);
  const recorded = found.state === "running" ? found.status?.start : undefined;
  const refusal = restartRefusal(
    found.state === "running" ? { pid: found.pid, serviceManager: recorded?.serviceManager } : undefined,
  );
  if (refusal !== undefined) {
    report.problems(`error: ${refusal}\n`);
    return ExitCode.failure;
  }
  const useRecorded = recorded !== undefined && !request.overrides;
  const argv = useRecorded ? recorded.argv : request.argv;
  const cwd = useRecorded ? recorded.cwd : process.cwd();
  if (found.state === "running") {
    const problems = configProblems(argv, cwd);
    if (problems !== undefined) {
      report.problems(problems.output);
      report.note(
        `not restarting: the running server (pid ${found.pid}) is left as it is; fix the config first`,
      );
      return problems.code;
    }
    const timeoutMs = gracefulStopWaitSecs(request.shutdownTimeoutSecs) * 1000;
    const stopped = await stopInstance(paths, { force: false, timeoutMs });
    for (const line of stopped.notes) report.note(line);
    for (const line of stopped.warnings) report.warning(line);
    if (stopped.code !== ExitCode.ok) return stopped.code;
  } else {
    report.note(`norc-server was not running (PID file ${paths.pidFile}); starting it`);
  }
  const child = Bun.spawn(selfCommand(["start", ...argv, "--daemon"]), {
    cwd,
    env: process.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  return await child.exited;
}

/** Validates the config the new start would read, before anything is stopped; undefined = usable. */
function configProblems(argv: string[], cwd: string): { code: number; output: string } | undefined {
  const check = Bun.spawnSync(selfCommand(["validate-config", ...argv]), {
    cwd,
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (check.exitCode === 0) return undefined;
  return { code: check.exitCode ?? ExitCode.failure, output: check.stderr.toString() };
}
