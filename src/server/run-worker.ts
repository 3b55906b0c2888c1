import type { ConfigSource, LoadedConfig } from "../config/load-config.ts";
import { checkConfigFiles, loadConfig } from "../config/load-config.ts";
import type { Config } from "../config/schema.ts";
import { ExitCode, errorMessage, NorcError } from "../errors.ts";
import { createLogger, logOptionsFromConfig } from "../log/create-logger.ts";
import type { Logger } from "../log/logger.ts";
import type { HandlerFactory } from "./connection-handler.ts";
import { protocolHandlerFactory } from "./ncp-handler.ts";
import { runServer } from "./run-server.ts";
import type { ListenInfo, ServerHandle } from "./server-handle.ts";
import { installWorkerSignals } from "./worker-signals.ts";

/** What the foreground server process needs; the daemon layer adds its parts through `onReady`. */
export interface WorkerOptions {
  /** Where the config comes from; kept for every reload (same file, env and flags). */
  source: ConfigSource;
  /** The config of `source`, already loaded and checked by the caller (`start`): not read twice. */
  loaded?: LoadedConfig;
  /** Makes the protocol handler factory once the config is loaded (keys in data_dir, ...); default: NCP-1. */
  createHandlerFactory?: (config: Config, logger: Logger) => HandlerFactory | Promise<HandlerFactory>;
  /** Called once the listener accepts connections (PID file, readiness, control channel). */
  onReady?: (listen: ListenInfo, handle: ServerHandle) => void | Promise<void>;
}

/**
 * The server process: signal handlers first, then config, logger and server; waits until a
 * signal (or `handle.shutdown`) stops it, flushes the log and returns the exit code.
 * Start-up failures throw NorcError (78 config, 75 address in use).
 */
export async function runWorker(options: WorkerOptions): Promise<number> {
  const signals = installWorkerSignals();
  try {
    const loaded = options.loaded ?? (await loadConfig(options.source));
    const logger = createLogger(logOptionsFromConfig(loaded.config));
    logger.info(
      loaded.file === undefined
        ? "no configuration file: using the built-in defaults"
        : `configuration loaded from ${loaded.file}`,
    );
    let handle: ServerHandle;
    try {
      const problems = options.loaded === undefined ? await checkConfigFiles(loaded.config) : [];
      if (problems.length > 0) throw new NorcError(problems.join("\n"), ExitCode.config);
      handle = await runServer({
        config: loaded.config,
        logger,
        handlerFactory: await (options.createHandlerFactory ?? protocolHandlerFactory)(loaded.config, logger),
        reloadConfig: async () => (await loadConfig(options.source)).config,
      });
    } catch (error) {
      // The CLI prints the error on stderr; a log file gets it too.
      if (loaded.config.logging.file !== undefined) logger.error(`start-up failed: ${errorMessage(error)}`);
      logger.close();
      throw error;
    }
    signals.attach(handle, logger);
    if (!signals.stopRequested()) await options.onReady?.(handle.listen, handle);
    await handle.stopped;
    logger.close();
    return ExitCode.ok;
  } finally {
    signals.remove();
  }
}
