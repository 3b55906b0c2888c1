import { ErrorCode, ProtocolError } from "../protocol/protocol-error.ts";
import type { AuthenticateOutcome } from "../relay/authentication.ts";
import type { MailboxCursor, PushEntry } from "../relay/mailbox-cursor.ts";
import type { Relay } from "../relay/relay.ts";
import type { LiveSession } from "../relay/router.ts";
import { SessionTimer } from "./session-timer.ts";

/** What an authenticated session does to its connection. */
export interface LiveDeviceIo {
  /** Seals and queues an inner frame. */
  sendInner(inner: Uint8Array): void;
  bufferedBytes(): number;
  /** Sends `error` and closes (202, 203, 303 suspended, 101 timeout). */
  end(error: ProtocolError): void;
  warn(message: string): void;
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
  /** The session this one superseded (§7.2), if the device had one. */
  readonly previousSessionId: Uint8Array | undefined;
  private readonly cursor: MailboxCursor;
  private readonly idle = new SessionTimer(() => this.io.end(timeoutError()));
  private readonly hard = new SessionTimer(() => this.expired());
  private messages = 0;
  private softExpired = false;
  private ended = false;

  constructor(
    private readonly relay: Relay,
    outcome: AuthenticateOutcome,
    private readonly io: LiveDeviceIo,
    private readonly now: () => number,
  ) {
    this.device = outcome.device.id;
    this.devicePublicKey = outcome.device.publicKey;
    this.sessionId = outcome.sessionId;
    const attachment = relay.attach(this);
    this.cursor = attachment.cursor;
    this.previousSessionId = attachment.previous?.sessionId;
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
    if (this.ended || this.io.bufferedBytes() >= this.relay.settings.outboundHighWaterBytes) return;
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

  /** The connection is gone: leave the router (the offline notice goes out if it was the last). */
  detach(): Promise<void> {
    this.ended = true;
    this.idle.clear();
    this.hard.clear();
    this.cursor.close();
    return this.relay.detach(this, this.now());
  }

  private push(entry: Parameters<PushEntry>[0]): boolean {
    if (this.ended || this.io.bufferedBytes() >= this.relay.settings.outboundHighWaterBytes) return false;
    this.io.sendInner(entry.frame);
    if (entry.kind === "message") this.countMessage();
    return true;
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
  if (code === ErrorCode.sessionExpired) return "a newer session of this device took over";
  return "this device is suspended by the operator";
}
