import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { ConfigSource } from "../config/load-config.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, errorMessage, NorcError } from "../errors.ts";
import { createLogger, logOptionsFromConfig } from "../log/create-logger.ts";
import { SUPERVISOR_TARGET } from "../log/format-line.ts";
import type { Logger } from "../log/logger.ts";
import { errnoText } from "../util/errno.ts";
import type { StartRecord } from "./control-protocol.ts";
import { type ControlServer, tryStartControlServer } from "./control-server.ts";
import { processLoggerSetup } from "./daemon-log.ts";
import { supervisorControl, workerControl } from "./instance-control.ts";
import { acquireInstanceLock } from "./instance-lock.ts";
import { instancePaths } from "./instance-paths.ts";
import { removePidFileIfOwned, writePidFile } from "./pid-file.ts";
import { notifyStarter, READY_FD_ENV } from "./readiness.ts";
import { STABLE_UPTIME_MS } from "./restart-policy.ts";
import { Supervisor } from "./supervisor.ts";
import { runWorker } from "./worker.ts";
import { becomeWorkerIdentity, createOwnedDirectories, workerIdentity } from "./worker-identity.ts";
import { WORKER_CWD_ENV } from "./worker-ipc.ts";

/** Signals the supervisor forwards to its worker. */
const FORWARDED: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1"];

/**
 * The top process of an instance (foreground `start`, or the child of `start --daemon`): takes the
 * single-instance lock, writes the PID file, then runs the supervisor (auto_restart) or the server
 * itself, owns the control channel, and removes its files on the way out. `config` is the loaded
 * and checked config of `source` (read from `start.configFile`); the server reuses it.
 */
export async function runInstance(config: Config, source: ConfigSource, start: StartRecord): Promise<number> {
  const paths = instancePaths(config.daemon.pid_file);
  const identity = workerIdentity(config);
  createOwnedDirectories(config, identity);
  const lock = takeLock(paths.pidFile, paths.lockFile);
  if (!lock.acquired) {
    throw new NorcError(
      `norc-server is already running (pid ${lock.ownerPid}, PID file ${paths.pidFile}): stop it first with "norc-server stop", or give this instance its own daemon.pid_file`,
      ExitCode.failure,
    );
  }
  let control: ControlServer | undefined;
  const cleanup = () => {
    control?.close();
    removePidFileIfOwned(paths.pidFile, process.pid);
    lock.release();
  };
  process.on("exit", cleanup);
  try {
    writePidFile(paths.pidFile, process.pid);
    if (config.daemon.working_dir !== undefined) process.chdir(config.daemon.working_dir);
    const startedAtMs = Date.now();
    if (config.daemon.auto_restart) {
      return await runSupervised(config, start, (supervisor, logger) => {
        const handler = supervisorControl(supervisor, { start, startedAtMs, logger });
        control = tryStartControlServer(paths.endpoint, handler);
      });
    }
    return await runWorker({
      source,
      loaded: { config, file: start.configFile },
      onReady(listen, handle, admin, logger) {
        control = tryStartControlServer(
          paths.endpoint,
          workerControl(handle, admin, { start, startedAtMs, logger }),
        );
        becomeWorkerIdentity(config, identity, logger);
        notifyStarter({ ok: true, pid: process.pid, listen });
      },
    });
  } finally {
    cleanup();
    process.off("exit", cleanup);
  }
}

/** The single-instance lock, with file-system failures said as what/where/what next. */
function takeLock(pidFile: string, lockFile: string): ReturnType<typeof acquireInstanceLock> {
  try {
    mkdirSync(dirname(pidFile), { recursive: true, mode: 0o750 });
    return acquireInstanceLock(lockFile);
  } catch (error) {
    const code = errnoText(error);
    throw new NorcError(
      `cannot create the lock beside daemon.pid_file "${pidFile}" (${code}): make ${dirname(pidFile)} writable for this user, or set daemon.pid_file to a writable directory`,
      ExitCode.config,
    );
  }
}

async function runSupervised(
  config: Config,
  start: StartRecord,
  onFirstReady: (supervisor: Supervisor, logger: Logger) => void,
): Promise<number> {
  // The worker rotates the file both write; the supervisor's lines follow it and say who wrote them.
  const setup = processLoggerSetup(config, { target: SUPERVISOR_TARGET, followRotation: true });
  const logger = createLogger({ ...logOptionsFromConfig(config), rotation: false }, setup);
  const env: Record<string, string | undefined> = { ...process.env, [WORKER_CWD_ENV]: start.cwd };
  delete env[READY_FD_ENV];
  const supervisor: Supervisor = new Supervisor({
    args: start.argv,
    env,
    logger,
    policy: {
      maxRestarts: config.daemon.max_restarts,
      cooldownMs: config.daemon.restart_cooldown_secs * 1000,
      stableMs: STABLE_UPTIME_MS,
    },
    onReady(listen) {
      onFirstReady(supervisor, logger);
      notifyStarter({ ok: true, pid: process.pid, listen });
    },
    onLogOptions(options) {
      try {
        logger.configure({ ...options, rotation: false });
      } catch (error) {
        logger.error(`cannot follow the worker's new log settings: ${errorMessage(error)}`);
      }
    },
  });
  const listeners = FORWARDED.map((signal) => {
    // SIGUSR1 too: the worker reopens (as its user) and the supervisor's lines follow the fresh file.
    const listener = () => supervisor.forward(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  logger.info(`supervisor started (pid ${process.pid}); the server runs in a worker process`, {
    pid: process.pid,
  });
  try {
    return await supervisor.run();
  } finally {
    for (const [signal, listener] of listeners) process.off(signal, listener);
    logger.close();
  }
}
