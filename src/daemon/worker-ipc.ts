import type { ListenInfo } from "../server/server-handle.ts";
import type { DeviceRequest } from "./device-admin.ts";

/** The hidden command the supervisor runs its worker with (talks to it over Bun IPC), like nuxt/cli's `_dev`. */
export const WORKER_COMMAND = "_worker";

/** Env: how many times the supervisor restarted a worker before this one (for /metrics). */
export const WORKER_RESTARTS_ENV = "NORCSERVER_RESTARTS";

/** Worker -> supervisor. */
export type WorkerMessage =
  | { type: "ready"; listen: ListenInfo }
  | { type: "reply"; id: number; result?: unknown; error?: string; exitCode?: number };

/** Supervisor -> worker: questions the control channel forwards. */
export type WorkerRequest = { type: "request"; id: number } & WorkerQuestion;

/** What the supervisor can ask its worker. */
export type WorkerQuestion =
  | { op: "status" }
  | { op: "reload" }
  | { op: "device"; request: DeviceRequest }
  | { op: "backup"; output?: string };
