import type { ListenInfo, ReloadOutcome } from "../server/server-handle.ts";

/** What the CLI asks the running instance over the control channel (one JSON line each way). */
export type ControlRequest = { op: "status" } | { op: "reload" } | { op: "stop"; mode: "graceful" | "now" };

/** How the instance was started, so `restart` can start it again the same way. */
export interface StartRecord {
  /** The user's arguments (without --daemon). */
  argv: string[];
  cwd: string;
  /** Absolute config file read, or undefined for built-in defaults. */
  configFile?: string;
  daemon: boolean;
  /** "systemd (unit norc-server.service)" when a service manager started it: `restart` refuses then. */
  serviceManager?: string;
}

/** The instance as `status` reports it. */
export interface InstanceStatus {
  /** The top process: supervisor, or the worker when there is none. */
  pid: number;
  workerPid?: number;
  supervised: boolean;
  version: string;
  startedAtMs: number;
  listen?: ListenInfo;
  connections?: number;
  /** The server identity fingerprint clients pin (NCP-1). */
  identityFingerprint?: string;
  /** Worker restarts since the supervisor started. */
  restarts: number;
  /** The log file lines go to; undefined = standard output. */
  logFile?: string;
  /** Supervised: how long the worker has left the heartbeat unanswered (absent while it answers). */
  workerSilentMs?: number;
  /** Supervised: why the last restart happened. */
  lastRestart?: string;
  start: StartRecord;
}

export type ControlReply =
  | { ok: true; status: InstanceStatus }
  | { ok: true; reload: ReloadOutcome }
  | { ok: true; stopping: number[] }
  | { ok: false; error: string };

/** What the top process answers with; the control server turns each call into one reply line. */
export interface ControlHandler {
  status(): Promise<InstanceStatus>;
  reload(): Promise<ReloadOutcome>;
  /** Starts stopping (reply first, then the processes go); returns the pids that will exit. */
  stop(mode: "graceful" | "now"): number[];
}
