import { buildInfo } from "../build-info.ts";
import type { Logger } from "../log/logger.ts";
import type { ReloadOutcome, ServerHandle } from "../server/server-handle.ts";
import type { BackupReply, ControlHandler, StartRecord } from "./control-protocol.ts";
import type { DeviceReply } from "./device-admin.ts";
import type { Supervisor } from "./supervisor.ts";
import { RELOAD_REPLY_MS } from "./timeouts.ts";
import type { WorkerAdmin, WorkerStatus } from "./worker-admin.ts";

/** What the top process knows of itself for `status`. */
export interface InstanceFacts {
  start: StartRecord;
  startedAtMs: number;
  /** This process's logger: `status` says where the log goes. */
  logger: Logger;
}

/** Control answers of an instance whose top process is the worker itself. */
export function workerControl(
  handle: ServerHandle,
  admin: WorkerAdmin,
  facts: InstanceFacts,
): ControlHandler {
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
        store: await admin.store(),
        restarts: 0,
        logFile: logger.destination(),
        start,
      };
    },
    reload: () => handle.reload(),
    device: (request) => admin.device(request),
    backup: (output) => admin.backup(output),
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

/** Below the CLI's 5 s wait: a hung worker leaves the supervisor's own facts to report. */
const WORKER_STATUS_TIMEOUT_MS = 2000;

/** Control answers of a supervisor: worker facts come from the worker over IPC. */
export function supervisorControl(supervisor: Supervisor, facts: InstanceFacts): ControlHandler {
  const { start, startedAtMs, logger } = facts;
  return {
    async status() {
      const server = (await supervisor
        .ask({ op: "status" }, WORKER_STATUS_TIMEOUT_MS)
        .catch(() => undefined)) as WorkerStatus | undefined;
      return {
        pid: process.pid,
        workerPid: supervisor.workerPid,
        supervised: true,
        version: buildInfo.version,
        startedAtMs,
        listen: server?.listen ?? supervisor.listen,
        connections: server?.connections,
        identityFingerprint: server?.identityFingerprint,
        store: server?.store,
        restarts: supervisor.restarts,
        workerSilentMs: supervisor.workerSilentMs(),
        lastRestart: supervisor.lastRestart,
        logFile: logger.destination(),
        start,
      };
    },
    reload: async () => (await supervisor.ask({ op: "reload" })) as ReloadOutcome,
    device: async (request) => (await supervisor.ask({ op: "device", request })) as DeviceReply,
    backup: async (output) =>
      (await supervisor.ask({ op: "backup", output }, RELOAD_REPLY_MS)) as BackupReply,
    stop(mode) {
      logStopRequest(logger, mode);
      return supervisor.stop(mode);
    },
  };
}
