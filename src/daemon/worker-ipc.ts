import type { LogOptions } from "../log/logger.ts";
import type { ListenInfo } from "../server/server-handle.ts";

/** The hidden command the supervisor runs its worker with (talks to it over Bun IPC), like nuxt/cli's `_dev`. */
export const WORKER_COMMAND = "_worker";

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
  | { type: "reply"; id: number; result?: unknown; error?: string }
  /** The echo of the supervisor's heartbeat, sent from the worker's event loop. */
  | WorkerHeartbeat;

/** Supervisor -> worker -> supervisor: "still answering?" (see daemon/heartbeat.ts). */
export interface WorkerHeartbeat {
  type: "heartbeat";
  seq: number;
}

/** Supervisor -> worker: questions the control channel forwards. */
export interface WorkerRequest {
  type: "request";
  id: number;
  op: "status" | "reload";
}
