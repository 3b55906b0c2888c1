import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { ConfigSource } from "../config/load-config.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, NorcError } from "../errors.ts";
import { errnoText } from "../util/errno.ts";
import type { StartRecord } from "./control-protocol.ts";
import { type ControlServer, tryStartControlServer } from "./control-server.ts";
import { supervisorControl, workerControl } from "./instance-control.ts";
import { acquireInstanceLock } from "./instance-lock.ts";
import { instancePaths } from "./instance-paths.ts";
import { removePidFileIfOwned, writePidFile } from "./pid-file.ts";
import { notifyStarter } from "./readiness.ts";
import { runSupervised } from "./run-supervised.ts";
import { serviceNotifier } from "./service-notify.ts";
import { runWorker } from "./worker.ts";
import { becomeWorkerIdentity, createOwnedDirectories, workerIdentity } from "./worker-identity.ts";

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
  // Without a supervisor the server's own event loop sends WATCHDOG=1: a wedged loop sends none.
  const notifier = serviceNotifier(() => true);
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
        notifier.ready(listen);
      },
      onShutdown: () => notifier.stopping(),
    });
  } finally {
    notifier.close();
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
