import type { LogOptions } from "../log/logger.ts";
import type { ListenInfo } from "../server/server-handle.ts";
import type { DeviceRequest } from "./device-admin.ts";

/** The hidden command the supervisor runs its worker with (talks to it over Bun IPC), like nuxt/cli's `_dev`. */
export const WORKER_COMMAND = "_worker";

/** Env: how many times the supervisor restarted a worker before this one (for /metrics). */
export const WORKER_RESTARTS_ENV = "NORCSERVER_RESTARTS";
/**
 * Env: the directory `start` ran in, for the worker's config source. The supervisor may already
 * have changed to daemon.working_dir: a relative -c and relative paths resolve against this.
 */
export const WORKER_CWD_ENV = "NORCSERVER_START_CWD";

/** Worker -> supervisor. */
export type WorkerMessage =
  | { type: "ready"; listen: ListenInfo }
  /** After an applied reload: the supervisor's own lines follow the new log settings. */
  | { type: "logging"; options: LogOptions }
  | { type: "reply"; id: number; result?: unknown; error?: string; exitCode?: number }
  /** The echo of the supervisor's heartbeat, sent from the worker's event loop. */
  | WorkerHeartbeat;

/** Supervisor -> worker -> supervisor: "still answering?" (see daemon/heartbeat.ts). */
export interface WorkerHeartbeat {
  type: "heartbeat";
  seq: number;
}

/** Supervisor -> worker: questions the control channel forwards. */
export type WorkerRequest = { type: "request"; id: number } & WorkerQuestion;

/** What the supervisor can ask its worker. */
export type WorkerQuestion =
  | { op: "status" }
  | { op: "reload" }
  | { op: "device"; request: DeviceRequest }
  | { op: "backup"; output?: string };
