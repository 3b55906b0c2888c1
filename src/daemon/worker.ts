import { daemonUserWarnings } from "../config/check-daemon-user.ts";
import type { ConfigSource, LoadedConfig } from "../config/load-config.ts";
import { checkConfigFiles, loadConfig } from "../config/load-config.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, errorMessage, NorcError } from "../errors.ts";
import { createLogger, logOptionsFromConfig } from "../log/create-logger.ts";
import type { Logger } from "../log/logger.ts";
import type { Server } from "../server/server.ts";
import type { ListenInfo, ServerHandle } from "../server/server-handle.ts";
import { type StartedParts, startParts } from "../util/lifecycle.ts";
import { ClusterParts } from "./cluster-parts.ts";
import { processLoggerSetup } from "./daemon-log.ts";
import type { WorkerAdmin } from "./worker-admin.ts";
import { WorkerParts } from "./worker-parts.ts";
import { installWorkerSignals } from "./worker-signals.ts";

/** What the server process needs; the daemon layer adds its parts through `onReady`. */
export interface WorkerOptions {
  /** Where the config comes from; kept for every reload (same file, env and flags). */
  source: ConfigSource;
  /** The config of `source`, already loaded and checked by the caller (`start`): not read twice. */
  loaded?: LoadedConfig;
  /** Worker restarts by the supervisor before this process (for /metrics). */
  restarts?: number;
  /** Called once the listener accepts connections (PID file, readiness, control channel). */
  onReady?: (
    listen: ListenInfo,
    handle: ServerHandle,
    admin: WorkerAdmin,
    logger: Logger,
  ) => void | Promise<void>;
  /** Called after each applied reload with the config now in force (a supervisor follows its log settings). */
  onReloaded?: (config: Config) => void;
  /** Called once when the server begins to shut down (signal or control channel). */
  onShutdown?: () => void;
}

/**
 * The composition root: the one place that opens the process-lifetime parts (`WorkerParts`: the
 * store, its backups, and the server with its session factory; `ClusterParts` in cluster mode:
 * the shared Postgres store, the membership, the cluster router) and owns the shutdown order
 * (MESSAGING.md): stop accepting and 501 to every session, wait for in-flight work, close the
 * store, flush the log. Start-up failures throw NorcError (78 config, 75 address in use).
 */
export async function runWorker(options: WorkerOptions): Promise<number> {
  const signals = installWorkerSignals();
  try {
    const loaded = options.loaded ?? (await loadConfig(options.source));
    const logger = createLogger(logOptionsFromConfig(loaded.config), processLoggerSetup(loaded.config));
    logger.info(
      loaded.file === undefined
        ? "no configuration file: using the built-in defaults"
        : `configuration loaded from ${loaded.file}`,
    );
    for (const line of daemonUserWarnings(loaded.config, loaded.file)) logger.warn(line);
    const parts = loaded.config.cluster.enabled
      ? new ClusterParts(loaded.config, logger, options)
      : new WorkerParts(loaded.config, logger, options);
    let started: StartedParts;
    try {
      if (options.loaded === undefined) {
        const problems = await checkConfigFiles(loaded.config);
        if (problems.length > 0) throw new NorcError(problems.join("\n"), ExitCode.config);
      }
      started = await startParts(parts.list(), (part, error) =>
        logger.error(`stopping ${part.name} failed: ${errorMessage(error)}`),
      );
    } catch (error) {
      // The CLI prints the error on stderr; a log file gets it too.
      if (loaded.config.logging.file !== undefined) logger.error(`start-up failed: ${errorMessage(error)}`);
      logger.close();
      throw error;
    }
    const handle = parts.server as Server;
    signals.attach(handle, logger);
    if (!signals.stopRequested()) await options.onReady?.(handle.listen, handle, parts.admin(), logger);
    await handle.stopped;
    await started.stop("graceful");
    logger.close();
    return ExitCode.ok;
  } finally {
    signals.remove();
  }
}
