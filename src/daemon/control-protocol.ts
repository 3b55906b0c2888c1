import type { ListenInfo, ReloadOutcome } from "../server/server-handle.ts";
import type { DeviceReply, DeviceRequest } from "./device-admin.ts";
import type { StoreStatus } from "./store-status.ts";

/** What the CLI asks the running instance over the control channel (one JSON line each way). */
export type ControlRequest =
  | { op: "status" }
  | { op: "reload" }
  | { op: "stop"; mode: "graceful" | "now" }
  | { op: "device"; request: DeviceRequest }
  | { op: "backup"; output?: string };

/** How the instance was started, so `restart` can start it again the same way. */
export interface StartRecord {
  /** The user's arguments (without --daemon). */
  argv: string[];
  cwd: string;
  /** Absolute config file read, or undefined for built-in defaults. */
  configFile?: string;
  /**
   * The NORC_* variables of the start (config from the environment): `restart` sets exactly these.
   * Undefined from an instance of a version that did not record them.
   */
  env?: Record<string, string>;
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
  /** The message store (undefined while the worker restarts). */
  store?: StoreStatus;
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
  | { ok: true; device: DeviceReply }
  | { ok: true; backup: BackupReply }
  /** `exitCode`: the command's exit code for a refusal the user can act on (NorcError). */
  | { ok: false; error: string; exitCode?: number };

/** What the top process answers with; the control server turns each call into one reply line. */
export interface ControlHandler {
  status(): Promise<InstanceStatus>;
  reload(): Promise<ReloadOutcome>;
  /** Starts stopping (reply first, then the processes go); returns the pids that will exit. */
  stop(mode: "graceful" | "now"): number[];
  /** Device administration on the running server's store. */
  device(request: DeviceRequest): Promise<DeviceReply>;
  /** A backup now (into `output`, or data_dir/backups with retention). */
  backup(output?: string): Promise<BackupReply>;
}

/** A backup taken. */
export interface BackupReply {
  file: string;
  bytes: number;
  durationMs: number;
}
