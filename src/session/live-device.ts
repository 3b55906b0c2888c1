import type { Logger } from "../log/logger.ts";
import { ErrorCode, ProtocolError } from "../protocol/protocol-error.ts";
import type { AuthenticateOutcome } from "../relay/authentication.ts";
import type { MailboxCursor, PushEntry } from "../relay/mailbox-cursor.ts";
import type { Relay } from "../relay/relay.ts";
import type { LiveSession } from "../relay/router.ts";
import type { SessionLog } from "./session-log.ts";
import { SessionTimer } from "./session-timer.ts";
import type { ConnectionContext } from "./transport.ts";

/** What an authenticated session does to its connection. */
export interface LiveDeviceIo {
  /** Seals and queues an inner frame. */
  sendInner(inner: Uint8Array): void;
  bufferedBytes(): number;
  /** Frames not yet taken by the kernel. */
  bufferedFrames(): number;
  /** Sends `error` and closes (202, 203, 303 suspended, 101 timeout). */
  end(error: ProtocolError): void;
  warn(message: string): void;
  /** Logs the session's start and end lines (§7.2), with the connection's algset and peer. */
  log?: { sessions: SessionLog; logger: Logger; algset: string; peer: string };
}

/**
 * The AUTHENTICATED half of a session (§7.2, §7.3, §8.2): the device's one live session in the
 * router, pushing its queue through the relay's cursor within the outbound high-water mark, with the
 * idle timeout and the soft/hard expiry of the session.
 */
export class LiveDevice implements LiveSession {
  readonly device: Uint8Array;
  readonly devicePublicKey: Uint8Array;
  readonly sessionId: Uint8Array;
  private readonly cursor: MailboxCursor;
  private readonly idle = new SessionTimer(() => this.io.end(timeoutError()));
  private readonly hard = new SessionTimer(() => this.expired());
  private messages = 0;
  private softExpired = false;
  private ended = false;
  private recheckScheduled = false;
  private readonly startedAtMs: number;

  constructor(
    private readonly relay: Relay,
    outcome: AuthenticateOutcome,
    private readonly io: LiveDeviceIo,
    private readonly now: () => number,
  ) {
    this.device = outcome.device.id;
    this.devicePublicKey = outcome.device.publicKey;
    this.sessionId = outcome.sessionId;
    this.startedAtMs = now();
    this.logStart(relay.router.sessionOf(this.device), outcome.queued);
    this.cursor = relay.attach(this).cursor;
    this.idle.arm(relay.settings.idleTimeoutMs);
    this.hard.arm(Math.max(0, outcome.expiresAtMs - now()) + relay.settings.sessionGraceMs);
    this.wake();
  }

  wake(): void {
    if (this.ended) return;
    this.cursor
      .drain((entry) => this.push(entry))
      .catch((error: unknown) => {
        this.io.warn(`delivery to the session failed (the entries stay queued): ${String(error)}`);
      });
  }

  pushPresence(frame: Uint8Array): void {
    if (this.ended || this.aboveHighWater()) return;
    this.io.sendInner(frame);
  }

  close(code: number, reason: string): void {
    if (this.ended) return;
    this.io.end(new ProtocolError(code, closeMessage(code), reason));
  }

  /** A record arrived: the idle timer restarts; a 0x10 counts toward message_limit. */
  received(isSend: boolean): void {
    this.idle.arm(this.relay.settings.idleTimeoutMs);
    if (isSend) this.countMessage();
  }

  /** Soft expiry was reached (§7.2): the grace period runs. */
  get inGrace(): boolean {
    return this.softExpired;
  }

  /**
   * The connection is gone (`trigger`: the error's reason, or connection_closed): the end line is
   * logged, and the session leaves the router (the offline notice goes out if it was the last).
   */
  detach(trigger = "connection_closed", code?: number): Promise<void> {
    if (!this.ended) this.logEnd(trigger, code);
    this.ended = true;
    this.idle.clear();
    this.hard.clear();
    this.cursor.close();
    return this.relay.detach(this, this.now());
  }

  private logStart(previous: LiveSession | undefined, queued: number): void {
    const log = this.io.log;
    if (log === undefined) return;
    const superseded =
      previous === undefined
        ? undefined
        : { sessionId: previous.sessionId, softExpired: previous instanceof LiveDevice && previous.inGrace };
    const { algset, peer } = log;
    log.sessions.started(log.logger, {
      device: this.device,
      sessionId: this.sessionId,
      superseded,
      algset,
      peer,
      queued,
    });
  }

  private logEnd(trigger: string, code: number | undefined): void {
    const log = this.io.log;
    if (log === undefined) return;
    const durationMs = this.now() - this.startedAtMs;
    const end = {
      device: this.device,
      sessionId: this.sessionId,
      trigger,
      code,
      durationMs,
      messages: this.messages,
    };
    log.sessions.ended(log.logger, end);
  }

  private push(entry: Parameters<PushEntry>[0]): boolean {
    if (this.ended) return false;
    if (this.aboveHighWater()) {
      this.recheckAfterFlush();
      return false;
    }
    this.io.sendInner(entry.frame);
    if (entry.kind === "message") this.countMessage();
    return true;
  }

  /**
   * §7.3: no further entry while unwritten bytes reach outbound_high_water, nor while unwritten
   * frames reach half of outbound_max_frames (small frames would reach that bound, where the
   * connection is closed as a slow consumer, long before 1 MiB).
   */
  private aboveHighWater(): boolean {
    const { outboundHighWaterBytes, outboundMaxFrames } = this.relay.settings;
    return (
      this.io.bufferedBytes() >= outboundHighWaterBytes || this.io.bufferedFrames() >= outboundMaxFrames / 2
    );
  }

  /**
   * Held back by frames queued in this event: when the socket then takes them all, no drain event
   * follows, so the pushes go on from here once the queue is written (else a drain or ack wakes it).
   */
  private recheckAfterFlush(): void {
    if (this.recheckScheduled) return;
    this.recheckScheduled = true;
    setImmediate(() => {
      this.recheckScheduled = false;
      if (!this.aboveHighWater()) this.wake();
    });
  }

  /** Soft expiry by message_limit starts the grace period now (§7.2). */
  private countMessage(): void {
    this.messages++;
    if (this.softExpired || this.messages < this.relay.settings.sessionMaxMessages) return;
    this.softExpired = true;
    this.hard.arm(this.relay.settings.sessionGraceMs);
  }

  private expired(): void {
    this.io.end(
      new ProtocolError(
        ErrorCode.sessionExpired,
        "the session expired: reconnect and authenticate",
        "expired",
      ),
    );
  }
}

function timeoutError(): ProtocolError {
  return new ProtocolError(ErrorCode.messageFormat, "no record received within idle_timeout", "timeout");
}

function closeMessage(code: number): string {
  if (code === ErrorCode.deviceRevoked) return "this device is revoked";
  if (code === ErrorCode.internal) return "the server cannot reach its store: reconnect later";
  if (code === ErrorCode.sessionExpired) return "a newer session of this device took over";
  return "this device is suspended by the operator";
}

/** The io of a LiveDevice over a connection whose records are sealed with `keys`. */
export function connectionIo(
  connection: ConnectionContext,
  keys: { tx: { seal(inner: Uint8Array): Uint8Array }; algset: string },
  end: (error: ProtocolError) => void,
  sessions: SessionLog | undefined,
): LiveDeviceIo {
  return {
    sendInner: (frame) => connection.send(keys.tx.seal(frame)),
    bufferedBytes: () => connection.bufferedBytes(),
    bufferedFrames: () => connection.bufferedFrames?.() ?? 0,
    end,
    warn: (message) => connection.log.warn(`${message} (peer ${connection.peer})`),
    log:
      sessions === undefined
        ? undefined
        : { sessions, logger: connection.log, algset: keys.algset, peer: connection.peer },
  };
}
