import { buildInfo } from "../build-info.ts";
import type { Logger } from "../log/logger.ts";
import type { ReloadOutcome, ServerHandle, ServerStatus } from "../server/server-handle.ts";
import type { ControlHandler, StartRecord } from "./control-protocol.ts";
import type { Supervisor } from "./supervisor.ts";

/** Control answers of an instance whose top process is the worker itself. */
export function workerControl(
  handle: ServerHandle,
  start: StartRecord,
  startedAtMs: number,
  logger: Logger,
): ControlHandler {
  return {
    async status() {
      const server = handle.status();
      return {
        pid: process.pid,
        supervised: false,
        version: buildInfo.version,
        startedAtMs,
        listen: server.listen,
        connections: server.connections,
        identityFingerprint: server.identityFingerprint,
        restarts: 0,
        start,
      };
    },
    reload: async () => startOnlyKeysNeedRestart(await handle.reload()),
    stop(mode) {
      logStopRequest(logger, mode);
      setTimeout(() => void handle.shutdown(mode), 10);
      return [process.pid];
    },
  };
}

/** The audit line of a stop asked over the control channel (`norc-server stop` or `restart`). */
function logStopRequest(logger: Logger, mode: "graceful" | "now"): void {
  logger.info(
    `stop requested over the control channel (${mode === "now" ? "close everything now" : "graceful"})`,
    {
      mode,
    },
  );
}

/** Read at start only (they shape the process tree): a reload reports them as needing a restart. */
const START_ONLY_KEYS = ["daemon.auto_restart", "daemon.max_restarts", "daemon.restart_cooldown_secs"];

function startOnlyKeysNeedRestart(outcome: ReloadOutcome): ReloadOutcome {
  if (outcome.result !== "applied") return outcome;
  return {
    result: "applied",
    changedKeys: outcome.changedKeys.filter((key) => !START_ONLY_KEYS.includes(key)),
    restartKeys: [
      ...outcome.restartKeys,
      ...outcome.changedKeys.filter((key) => START_ONLY_KEYS.includes(key)),
    ],
  };
}

/** Below the CLI's 5 s wait: a hung worker leaves the supervisor's own facts to report. */
const WORKER_STATUS_TIMEOUT_MS = 2000;

/** Control answers of a supervisor: worker facts come from the worker over IPC. */
export function supervisorControl(
  supervisor: Supervisor,
  start: StartRecord,
  startedAtMs: number,
  logger: Logger,
): ControlHandler {
  return {
    async status() {
      const server = (await supervisor.ask("status", WORKER_STATUS_TIMEOUT_MS).catch(() => undefined)) as
        | ServerStatus
        | undefined;
      return {
        pid: process.pid,
        workerPid: supervisor.workerPid,
        supervised: true,
        version: buildInfo.version,
        startedAtMs,
        listen: server?.listen ?? supervisor.listen,
        connections: server?.connections,
        identityFingerprint: server?.identityFingerprint,
        restarts: supervisor.restarts,
        start,
      };
    },
    reload: async () => startOnlyKeysNeedRestart((await supervisor.ask("reload")) as ReloadOutcome),
    stop(mode) {
      logStopRequest(logger, mode);
      return supervisor.stop(mode);
    },
  };
}
