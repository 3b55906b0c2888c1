import type { ListenInfo } from "../server/server-handle.ts";

/** Env marker: this process is a worker started by the supervisor (talks to it over Bun IPC). */
export const WORKER_ENV = "NORCSERVER_WORKER";

/** Worker -> supervisor. */
export type WorkerMessage =
  | { type: "ready"; listen: ListenInfo }
  | { type: "reply"; id: number; result?: unknown; error?: string };

/** Supervisor -> worker: questions the control channel forwards. */
export interface WorkerRequest {
  type: "request";
  id: number;
  op: "status" | "reload";
}
