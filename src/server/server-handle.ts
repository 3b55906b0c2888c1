import type { Config } from "../config/schema.ts";

/** Where the server listens, as logged and as reported by `status`. */
export interface ListenInfo {
  address: string;
  port: number;
  tls: boolean;
}

/** The outcome of a reload, as `reload` prints it. */
export type ReloadOutcome =
  | { result: "applied"; changedKeys: string[]; restartKeys: string[] }
  | { result: "rejected"; problems: string[] };

/** A live snapshot for `status` and metrics. */
export interface ServerStatus {
  listen: ListenInfo;
  connections: number;
  acceptedTotal: number;
  startedAtMs: number;
  /** The protocol's server identity fingerprint (NCP-1), when it has one. */
  identityFingerprint?: string;
}

/** A running server (the worker). Implemented by src/server/server.ts. */
export interface ServerHandle {
  readonly listen: ListenInfo;
  /** Re-read the config the instance was started with (same path, env and flags) and apply it. */
  reload(): Promise<ReloadOutcome>;
  /** Graceful: stop accepting, let connections finish up to the deadline. "now": close everything. */
  shutdown(mode: "graceful" | "now"): Promise<void>;
  status(): ServerStatus;
  /** The config in force. */
  config(): Config;
  /** Resolves once the server has fully stopped (after `shutdown`, whoever asked for it). */
  readonly stopped: Promise<void>;
}
