import { norcVariables } from "../config/env-overrides.ts";
import { ExitCode } from "../errors.ts";
import type { StartRecord } from "./control-protocol.ts";
import { findInstance } from "./find-instance.ts";
import type { InstancePaths } from "./instance-paths.ts";
import { selfCommand } from "./self-command.ts";
import { restartRefusal } from "./service-manager.ts";
import { describeSource, type StartSource, startSourceOf } from "./start-source.ts";
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
  /** The arguments of this `restart` (without -d). */
  argv: string[];
  /** The -l/-b/-p flags of this `restart` (dotted config path -> text): applied over the recorded ones. */
  overrides: Record<string, string>;
}

/**
 * Checks the config the new start would read, stops the running instance gracefully, then starts
 * it as a daemon from the exact source it was started with: arguments, directory and NORC_*
 * environment (flags given to `restart` apply on top). A config that fails validation stops
 * nothing. Returns the exit code.
 */
export async function restartInstance(request: RestartRequest, report: RestartReport): Promise<number> {
  const { paths } = request;
  const found = await findInstance(paths);
  const own: StartSource = { argv: request.argv, cwd: process.cwd(), env: process.env };
  const refusal = restartRefusal(
    found.state === "running"
      ? { pid: found.pid, serviceManager: found.status?.start.serviceManager }
      : undefined,
  );
  if (refusal !== undefined) {
    report.problems(`error: ${refusal}\n`);
    return ExitCode.failure;
  }
  if (found.state !== "running") {
    report.note(`norc-server was not running (PID file ${paths.pidFile}); starting it`);
    return await startDaemon(own);
  }
  const recorded = found.status?.start;
  const source = recorded === undefined ? own : startSourceOf(recorded, request.overrides, process.env);
  explainSource(recorded, source, report);
  const problems = configProblems(source);
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
  return await startDaemon(source);
}

/** Says which source the new start uses, and which variables of this shell it leaves out. */
function explainSource(recorded: StartRecord | undefined, source: StartSource, report: RestartReport): void {
  if (recorded === undefined) {
    report.warning(
      "the running server did not say how it was started (no control channel): starting it with this command's flags, environment and directory",
    );
    return;
  }
  report.note(`starting it again as it was started: ${describeSource(source)}`);
  if (recorded.env === undefined) return;
  const kept = recorded.env;
  const ignored = Object.entries(norcVariables(process.env))
    .filter(([name, value]) => kept[name] !== value)
    .map(([name]) => name);
  if (ignored.length > 0) {
    report.warning(
      `${ignored.join(", ")} of this shell not used: restart keeps the environment the server was started with (stop, then start, to change it)`,
    );
  }
}

async function startDaemon(source: StartSource): Promise<number> {
  const child = Bun.spawn(selfCommand(["start", ...source.argv, "--daemon"]), {
    cwd: source.cwd,
    env: source.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  return await child.exited;
}

/** Validates the config the new start would read, before anything is stopped; undefined = usable. */
function configProblems(source: StartSource): { code: number; output: string } | undefined {
  const check = Bun.spawnSync(selfCommand(["validate-config", ...source.argv]), {
    cwd: source.cwd,
    env: source.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (check.exitCode === 0) return undefined;
  return { code: check.exitCode ?? ExitCode.failure, output: check.stderr.toString() };
}
