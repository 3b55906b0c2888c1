import { errorMessage } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { ServerHandle } from "../server/server-handle.ts";

type Signal = "SIGTERM" | "SIGINT" | "SIGQUIT" | "SIGHUP" | "SIGUSR1";

/** Signals handled by the worker; Windows has only SIGINT (and SIGTERM cannot be caught there). */
const SIGNALS: Signal[] =
  process.platform === "win32"
    ? ["SIGINT", "SIGTERM"]
    : ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1"];

/** Signal handling of the server process, installed before anything starts. */
export interface WorkerSignals {
  /** Connects signals to a running server; signals received before are acted on now. */
  attach(handle: ServerHandle, logger: Logger): void;
  /** True once a shutdown signal has arrived (also before `attach`). */
  stopRequested(): boolean;
  remove(): void;
}

/**
 * SIGTERM/SIGINT: graceful shutdown; a second SIGINT, or SIGQUIT: close everything now.
 * SIGHUP: reload the config; SIGUSR1: reopen the log file.
 */
export function installWorkerSignals(): WorkerSignals {
  const early: Signal[] = [];
  let target: { handle: ServerHandle; logger: Logger } | undefined;
  let shuttingDown = false;
  const act = (signal: Signal) => {
    if (target === undefined) return void early.push(signal);
    const { handle, logger } = target;
    if (signal === "SIGHUP") {
      // A rejected reload is logged by the server; anything else is still said, never unhandled.
      return void handle
        .reload()
        .catch((error) => logger.error(`SIGHUP: reload failed: ${errorMessage(error)}`));
    }
    if (signal === "SIGUSR1") {
      const problem = logger.reopen();
      if (problem === undefined) return logger.info("SIGUSR1: log file reopened");
      return logger.error(`SIGUSR1: ${problem}`);
    }
    const now = signal === "SIGQUIT" || (signal === "SIGINT" && shuttingDown);
    if (shuttingDown && !now)
      return logger.info(`${signal}: already shutting down (SIGQUIT or a second SIGINT forces)`);
    logger.info(`${signal}: ${now ? "closing every connection now" : "graceful shutdown"}`);
    shuttingDown = true;
    void handle.shutdown(now ? "now" : "graceful");
  };
  const listeners = SIGNALS.map((signal) => {
    const listener = () => act(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return {
    attach(handle, logger) {
      target = { handle, logger };
      for (const signal of early.splice(0)) act(signal);
    },
    stopRequested: () => shuttingDown || early.some((s) => s !== "SIGHUP" && s !== "SIGUSR1"),
    remove() {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    },
  };
}
