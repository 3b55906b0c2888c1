import type { Logger } from "../log/logger.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** What a session start line says (§7.2: the previous session_id, the trigger, the algset). */
export interface SessionStart {
  device: Uint8Array;
  sessionId: Uint8Array;
  /** The device's session this one superseded, if one was live, and whether it had soft-expired. */
  superseded?: { sessionId: Uint8Array; softExpired: boolean };
  algset: string;
  peer: string;
  queued: number;
}

/** What a session end line says. */
export interface SessionEnd {
  device: Uint8Array;
  sessionId: Uint8Array;
  /** Why it ended: the error's reason (superseded, expired, timeout, revoked, shutdown, ...) or connection_closed. */
  trigger: string;
  /** The error code sent, when one was. */
  code?: number;
  durationMs: number;
  /** 0x10 sent plus received on the connection (the message_limit count). */
  messages: number;
}

/**
 * One info line per authenticated session start and end. Remembers each device's last session
 * (at most `maxDevices`, oldest forgotten first) so a start names its previous session even when
 * that one ended before: trigger first | reconnect | supersede | renewal (after soft expiry).
 */
export class SessionLog {
  private readonly last = new Map<string, string>();

  constructor(private readonly maxDevices = 100_000) {}

  /** Logs a start on `logger` and remembers it as its device's last session. */
  started(logger: Logger, start: SessionStart): void {
    const device = hex(start.device);
    const sessionId = hex(start.sessionId);
    const previous = start.superseded === undefined ? this.last.get(device) : hex(start.superseded.sessionId);
    this.remember(device, sessionId);
    logger.info("NCP-1 session started", {
      device,
      session: sessionId,
      previous: previous ?? "none",
      trigger: triggerOf(start, previous),
      algset: start.algset,
      peer: start.peer,
      queued: start.queued,
    });
  }

  /** Logs an end on `logger`. */
  ended(logger: Logger, end: SessionEnd): void {
    logger.info("NCP-1 session ended", {
      device: hex(end.device),
      session: hex(end.sessionId),
      trigger: end.trigger,
      ...(end.code === undefined ? {} : { code: end.code }),
      duration_secs: Math.round(end.durationMs / 100) / 10,
      messages: end.messages,
    });
  }

  private remember(device: string, sessionId: string): void {
    this.last.delete(device);
    this.last.set(device, sessionId);
    if (this.last.size <= this.maxDevices) return;
    const oldest = this.last.keys().next().value;
    if (oldest !== undefined) this.last.delete(oldest);
  }
}

function triggerOf(start: SessionStart, previous: string | undefined): string {
  if (start.superseded !== undefined) return start.superseded.softExpired ? "renewal" : "supersede";
  return previous === undefined ? "first" : "reconnect";
}
