import { daemonUserWarnings } from "../config/check-daemon-user.ts";
import type { ConfigSource, LoadedConfig } from "../config/load-config.ts";
import { checkConfigFiles, loadConfig } from "../config/load-config.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, errorMessage, NorcError } from "../errors.ts";
import { createLogger, logOptionsFromConfig } from "../log/create-logger.ts";
import type { Logger } from "../log/logger.ts";
import { Server } from "../server/server.ts";
import type { ListenInfo, ServerHandle } from "../server/server-handle.ts";
import { createSessionFactory } from "../session/session-factory.ts";
import { type Part, startParts } from "../util/lifecycle.ts";
import { WorkTracker } from "../util/work-tracker.ts";
import { processLoggerSetup } from "./daemon-log.ts";
import { loadOrCreateIdentity } from "./identity.ts";
import { IN_FLIGHT_WORK_MS } from "./timeouts.ts";
import { installWorkerSignals } from "./worker-signals.ts";

/** What the server process needs; the daemon layer adds its parts through `onReady`. */
export interface WorkerOptions {
  /** Where the config comes from; kept for every reload (same file, env and flags). */
  source: ConfigSource;
  /** The config of `source`, already loaded and checked by the caller (`start`): not read twice. */
  loaded?: LoadedConfig;
  /** Called once the listener accepts connections (PID file, readiness, control channel). */
  onReady?: (listen: ListenInfo, handle: ServerHandle, logger: Logger) => void | Promise<void>;
  /** Called after each applied reload with the config now in force (a supervisor follows its log settings). */
  onReloaded?: (config: Config) => void;
  /** Called once when the server begins to shut down (signal or control channel). */
  onShutdown?: () => void;
}

/**
 * The composition root: the one place that opens the process-lifetime parts (identity, and later
 * the store, relay and router), hands the server its session factory, and owns the shutdown order
 * (MESSAGING.md): stop accepting and 501 to every session (the server), wait for in-flight work,
 * close the store, flush the log. Start-up failures throw NorcError (78 config, 75 address in use).
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
    const tracker = new WorkTracker();
    let server: Server | undefined;
    const parts: Part[] = [
      inFlightWork(tracker, logger),
      {
        name: "server",
        start: async () => {
          if (options.loaded === undefined) await refuseProblems(loaded.config);
          server = startServer(loaded.config, logger, tracker, options);
        },
        stop: (mode) => server?.shutdown(mode),
      },
    ];
    let started: Awaited<ReturnType<typeof startParts>>;
    try {
      started = await startParts(parts, (part, error) =>
        logger.error(`stopping ${part.name} failed: ${errorMessage(error)}`),
      );
    } catch (error) {
      // The CLI prints the error on stderr; a log file gets it too.
      if (loaded.config.logging.file !== undefined) logger.error(`start-up failed: ${errorMessage(error)}`);
      logger.close();
      throw error;
    }
    const handle = server as Server;
    signals.attach(handle, logger);
    if (!signals.stopRequested()) await options.onReady?.(handle.listen, handle, logger);
    await handle.stopped;
    await started.stop("graceful");
    logger.close();
    return ExitCode.ok;
  } finally {
    signals.remove();
  }
}

async function refuseProblems(config: Config): Promise<void> {
  const problems = await checkConfigFiles(config);
  if (problems.length > 0) throw new NorcError(problems.join("\n"), ExitCode.config);
}

/** The server with NCP-1 sessions under the identity of `storage.data_dir` (fingerprint logged). */
function startServer(config: Config, logger: Logger, tracker: WorkTracker, options: WorkerOptions): Server {
  const identity = loadOrCreateIdentity(config.storage.data_dir);
  if (identity.created) logger.info(`created the server identity key ${identity.file}`);
  logger.info(`server identity fingerprint: ${identity.fingerprint}`);
  return Server.start({
    config,
    logger,
    sessionFactory: createSessionFactory(identity, { track: (work) => tracker.track(work) }),
    reloadConfig: async () => (await loadConfig(options.source)).config,
    onReloaded: options.onReloaded,
    onShutdown: options.onShutdown,
  });
}

/** Shutdown waits for replies that wait on commits (and, later, backups) before the store closes. */
function inFlightWork(tracker: WorkTracker, logger: Logger): Part {
  return {
    name: "in-flight work",
    start: () => {},
    stop: async (mode) => {
      if (tracker.size === 0) return;
      const settled = mode === "now" ? false : await tracker.settled(IN_FLIGHT_WORK_MS);
      if (!settled) logger.warn(`${tracker.size} in-flight operations did not finish before shutdown`);
    },
  };
}
