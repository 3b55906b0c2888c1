import type { NcpClientError } from "./client-error.ts";

/** The §9 backoff: 1 s, doubling up to 60 s, each delay ±20 % jitter. */
export interface BackoffSchedule {
  baseMs: number;
  maxMs: number;
  jitter: number;
}

/** The schedule NCP-1 §9 prescribes. */
export const NCP_BACKOFF: BackoffSchedule = { baseMs: 1_000, maxMs: 60_000, jitter: 0.2 };

/**
 * The delay before reconnect attempt `attempt` (0 for the first after a loss): base × 2^attempt,
 * capped at max, times a factor in [1 − jitter, 1 + jitter] drawn from `random` (in [0, 1)).
 */
export function backoffDelayMs(
  attempt: number,
  schedule: BackoffSchedule = NCP_BACKOFF,
  random: () => number = Math.random,
): number {
  const nominal = Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.min(attempt, 30));
  const factor = 1 - schedule.jitter + 2 * schedule.jitter * random();
  return Math.round(nominal * factor);
}

/** What to do after a connection ended: reconnect after `delayMs`, or stop and report `why`. */
export type ReconnectDecision = { reconnect: true; delayMs: number } | { reconnect: false; why: string };

/** Where in the connection the error happened: the handshake, authentication, or an authenticated session. */
export type ConnectionPhase = "handshake" | "auth" | "session";

/** §9 rules plus this client's choices (CONFORMANCE.md), by code and reason. */
function stopReason(error: NcpClientError, phase: ConnectionPhase): string | undefined {
  const reason = error.details.reason;
  if (error.kind === "identity") return "the server identity does not match (never replaced automatically)";
  if (error.kind === "tls") return "the TLS handshake failed (certificate or configuration)";
  const code = error.code;
  if (code === 100) return "no common protocol version (100)";
  if (code === 102 && phase === "handshake") return "no common profile or algorithm suite (102)";
  if (error.kind === "protocol" && phase === "handshake") return "the server's handshake failed its checks";
  if (code === 202) return "this device is revoked (202)";
  if (code === 201) return "this device is not registered (201)";
  if (code === 303 && (reason === "pending" || reason === "registration_closed")) {
    return reason === "pending"
      ? "this device awaits approval (303 pending)"
      : "registration is closed (303)";
  }
  if (code === 203 && reason === "superseded")
    return "another session of this device took over (203 superseded)";
  return undefined;
}

/**
 * §9: never reconnect after 100, a handshake 102, or 202; not after 201 or 303 pending /
 * registration_closed; nor after a changed server identity, a TLS failure or 203 superseded.
 * Otherwise wait retry_after when the server gave one, else the backoff for `attempt`.
 */
export function reconnectDecision(
  error: NcpClientError,
  context: { phase: ConnectionPhase; attempt: number },
  schedule: BackoffSchedule = NCP_BACKOFF,
  random: () => number = Math.random,
): ReconnectDecision {
  const why = stopReason(error, context.phase);
  if (why !== undefined) return { reconnect: false, why };
  if (error.retryAfterSecs > 0) return { reconnect: true, delayMs: error.retryAfterSecs * 1_000 };
  return { reconnect: true, delayMs: backoffDelayMs(context.attempt, schedule, random) };
}
