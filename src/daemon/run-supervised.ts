import type { Config } from "../config/schema.ts";
import { errorMessage } from "../errors.ts";
import { createLogger, logOptionsFromConfig } from "../log/create-logger.ts";
import { SUPERVISOR_TARGET } from "../log/format-line.ts";
import type { Logger } from "../log/logger.ts";
import type { StartRecord } from "./control-protocol.ts";
import { processLoggerSetup } from "./daemon-log.ts";
import { notifyStarter, READY_FD_ENV } from "./readiness.ts";
import { STABLE_UPTIME_MS } from "./restart-policy.ts";
import { SERVICE_NOTIFY_ENV, serviceNotifier } from "./service-notify.ts";
import { Supervisor } from "./supervisor.ts";
import { WORKER_CWD_ENV } from "./worker-ipc.ts";

/** Signals the supervisor forwards to its worker. */
const FORWARDED: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1"];

/**
 * The top process with daemon.auto_restart: its own logger (target norc_server::supervisor), the
 * supervisor, the signals it forwards, and what systemd hears (READY, STOPPING, WATCHDOG while
 * the worker answers its heartbeat). Resolves with the supervisor's exit code.
 */
export async function runSupervised(
  config: Config,
  start: StartRecord,
  onFirstReady: (supervisor: Supervisor, logger: Logger) => void,
): Promise<number> {
  // The worker rotates the file both write; the supervisor's lines follow it and say who wrote them.
  const setup = processLoggerSetup(config, { target: SUPERVISOR_TARGET, followRotation: true });
  const logger = createLogger({ ...logOptionsFromConfig(config), rotation: false }, setup);
  const env: Record<string, string | undefined> = { ...process.env, [WORKER_CWD_ENV]: start.cwd };
  for (const name of [READY_FD_ENV, ...SERVICE_NOTIFY_ENV]) delete env[name];
  const notifier = serviceNotifier(() => supervisor.workerSilentMs() === undefined);
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
      notifier.ready(listen);
    },
    onStopping: () => notifier.stopping(),
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
    notifier.close();
    for (const [signal, listener] of listeners) process.off(signal, listener);
    logger.close();
  }
}
