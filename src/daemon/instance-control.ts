import { buildInfo } from "../build-info.ts";
import type { Logger } from "../log/logger.ts";
import type { ReloadOutcome, ServerHandle, ServerStatus } from "../server/server-handle.ts";
import type { ControlHandler, StartRecord } from "./control-protocol.ts";
import type { Supervisor } from "./supervisor.ts";

/** What the top process knows of itself for `status`. */
export interface InstanceFacts {
  start: StartRecord;
  startedAtMs: number;
  /** This process's logger: `status` says where the log goes. */
  logger: Logger;
}

/** Control answers of an instance whose top process is the worker itself. */
export function workerControl(handle: ServerHandle, facts: InstanceFacts): ControlHandler {
  const { start, startedAtMs, logger } = facts;
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
        logFile: logger.destination(),
        start,
      };
    },
    reload: async () => startOnlyKeysNeedRestart(await handle.reload()),
    stop(mode) {
      setTimeout(() => void handle.shutdown(mode), 10);
      return [process.pid];
    },
  };
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
export function supervisorControl(supervisor: Supervisor, facts: InstanceFacts): ControlHandler {
  const { start, startedAtMs, logger } = facts;
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
        workerSilentMs: supervisor.workerSilentMs(),
        lastRestart: supervisor.lastRestart,
        logFile: logger.destination(),
        start,
      };
    },
    reload: async () => startOnlyKeysNeedRestart((await supervisor.ask("reload")) as ReloadOutcome),
    stop(mode) {
      const pids = supervisor.stop(mode);
      return pids;
    },
  };
}
