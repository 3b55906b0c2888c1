import { buildErrorFrame, decodeErrorBody } from "../protocol/error-frame.ts";
import { FrameReader } from "../protocol/frame-reader.ts";
import {
  decodeHeader,
  FLAG_ENCRYPTED,
  FrameType,
  frameBody,
  HEADER_SIZE,
  LAYER_C,
  PREAUTH_MAX_FRAME,
} from "../protocol/header.ts";
import { ErrorCode, errorCodeName, ProtocolError } from "../protocol/protocol-error.ts";
import { RecordCipher } from "../protocol/record.ts";
import { acceptClientHello, type ServerIdentity } from "../protocol/server-handshake.ts";
import { newSharedLimits, type SharedLimits } from "../relay/limits.ts";
import { TokenBucket } from "../relay/token-bucket.ts";
import { peerAddress } from "../util/host-port.ts";
import { handleKeyedFrame } from "./handlers/keyed.ts";
import { type ReplyOutcome, ReplyQueue } from "./reply-queue.ts";
import type { SessionKeys, SessionState } from "./session-state.ts";
import { SessionTimer } from "./session-timer.ts";
import type { ConnectionContext, ConnectionHandler } from "./transport.ts";

/** §7.1 timeouts of the states a connection can reach today. */
export interface SessionTimeouts {
  helloMs: number;
  authMs: number;
}

export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = { helloMs: 10_000, authMs: 30_000 };

/** §7.3 inbound: reading stops while more than this many frames, or bytes, wait. */
export const INBOUND_MAX_PENDING = 64;
export const INBOUND_MAX_BYTES = 10 * 1024 * 1024;

/** What every session of a server shares: the identity, the limits, the clock and the timeouts. */
export interface SessionDeps {
  identity: ServerIdentity;
  shared?: SharedLimits;
  now?: () => number;
  timeouts?: SessionTimeouts;
  /** Told of every reply that waits, so shutdown can wait for it. */
  track?: (work: Promise<unknown>) => void;
}

/**
 * One NCP-1 connection, server side: AWAIT_HELLO → KEYED with the processing orders of §4.8, §5
 * and §6, its own timers, and replies that may wait yet leave in arrival order (§7.3 inbound).
 */
export class Session implements ConnectionHandler {
  private current: SessionState = { kind: "await_hello" };
  private readonly reader = new FrameReader();
  private readonly replies = new ReplyQueue((outcome) => this.deliver(outcome));
  private readonly timer = new SessionTimer(() => this.onTimeout());
  private readonly now: () => number;
  private readonly timeouts: SessionTimeouts;
  private readonly shared: SharedLimits;
  private readonly address: string;
  private readonly timeSync: TokenBucket;
  private paused = false;
  /** A frame failed behind replies still waiting: nothing more is read. */
  private halted = false;

  constructor(
    private readonly connection: ConnectionContext,
    private readonly deps: SessionDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.timeouts = deps.timeouts ?? DEFAULT_SESSION_TIMEOUTS;
    this.shared = deps.shared ?? newSharedLimits();
    this.address = peerAddress(connection.peer);
    this.timeSync = new TokenBucket(10, 1, this.now());
    this.timer.arm(this.timeouts.helloMs);
  }

  /** The §7.1 state's name. */
  get state(): SessionState["kind"] {
    return this.current.kind;
  }

  /** Bytes from the peer (kept by reference until consumed). */
  onData(bytes: Uint8Array): void {
    if (this.current.kind === "closing") return;
    this.reader.push(bytes);
    this.readFrames();
  }

  onDrain(): void {
    this.readFrames();
  }

  /** The state's timeout fired (hello 10 s, auth 30 s): 101 reason=timeout, then close. */
  onTimeout(): void {
    if (this.current.kind === "closing") return;
    const what = this.current.kind === "await_hello" ? "ClientHello" : "authentication";
    this.fail(new ProtocolError(ErrorCode.messageFormat, `timed out waiting for ${what}`, "timeout"));
  }

  /** Graceful shutdown: 501 with retry_after, then close. */
  onShutdown(retryAfterSecs: number): void {
    if (this.current.kind === "closing") return;
    const error = new ProtocolError(ErrorCode.serviceUnavailable, "the server is shutting down", "shutdown");
    error.retryAfterSecs = retryAfterSecs;
    this.fail(error);
  }

  onClose(): void {
    this.timer.clear();
    this.replies.clear();
    if (this.current.kind !== "closing") this.current = { kind: "closing" };
  }

  /** Takes whole frames from the reader while fewer than the §7.3 inbound limits wait. */
  private readFrames(): void {
    while (this.current.kind !== "closing" && !this.halted) {
      if (this.mustWait()) {
        this.pause();
        return;
      }
      const outcome = this.reader.next(PREAUTH_MAX_FRAME);
      if (outcome.kind === "need") {
        this.resume();
        return;
      }
      if (outcome.kind === "error") {
        const tooLarge = outcome.code === ErrorCode.messageTooLarge;
        const limit = tooLarge ? outcome.limit : HEADER_SIZE;
        const what = tooLarge ? "above the limit of" : "below the minimum of";
        this.fail(
          new ProtocolError(outcome.code, `frame length ${outcome.length} is ${what} ${limit} bytes`),
        );
        return;
      }
      this.onFrame(outcome.frame);
    }
  }

  private mustWait(): boolean {
    return (
      this.replies.pending >= INBOUND_MAX_PENDING ||
      this.reader.buffered + this.connection.bufferedBytes() > INBOUND_MAX_BYTES
    );
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.connection.pauseReading();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.connection.resumeReading();
  }

  private onFrame(frame: Uint8Array): void {
    if (this.current.kind === "await_hello") {
      this.onHello(frame);
      return;
    }
    if (this.current.kind !== "keyed") return;
    const keys = this.current.keys;
    const header = decodeHeader(frame);
    if (header.layer !== LAYER_C || header.version !== keys.major || (header.flags & FLAG_ENCRYPTED) === 0) {
      const error = new ProtocolError(
        ErrorCode.messageFormat,
        "expected a record (layer 1, negotiated version, flags bit 0)",
      );
      this.failInOrder(error.about(header.messageId));
      return;
    }
    const inner = keys.rx.open(frame);
    if (inner === null) {
      this.abort("record authentication failed");
      return;
    }
    if (header.type === FrameType.error) {
      this.logClientError(inner);
      return;
    }
    const context = {
      inner,
      header: decodeHeader(inner),
      th: keys.th,
      nowMs: this.now(),
      identity: this.deps.identity,
      timeSync: this.timeSync,
      shared: this.shared,
      address: this.address,
    };
    try {
      const reply = handleKeyedFrame(context);
      if (reply instanceof Promise) this.deps.track?.(reply);
      this.replies.push(reply);
    } catch (error) {
      this.failInOrder(error);
    }
  }

  /** A frame failed at once: answered after the replies before it; nothing after it is read. */
  private failInOrder(error: unknown): void {
    if (this.replies.pending > 0) this.halted = true;
    this.replies.fail(error);
  }

  /** One reply in arrival order: sealed and sent, or the failure answered and the session closed. */
  private deliver(outcome: ReplyOutcome): boolean {
    if (this.current.kind !== "keyed") return false;
    if ("error" in outcome) {
      this.fail(this.asProtocolError(outcome.error));
      return false;
    }
    if (outcome.reply !== null) this.connection.send(this.current.keys.tx.seal(outcome.reply));
    if (this.paused) queueMicrotask(() => this.readFrames());
    return true;
  }

  private onHello(frame: Uint8Array): void {
    try {
      const handshake = acceptClientHello(frame, this.deps.identity, { nowMs: this.now() });
      this.connection.send(handshake.serverHello);
      const keys: SessionKeys = {
        rx: new RecordCipher(handshake.keys.clientToServer, handshake.th),
        tx: new RecordCipher(handshake.keys.serverToClient, handshake.th),
        th: handshake.th,
        major: handshake.version.major,
      };
      handshake.keys.masterSecret.fill(0);
      this.current = { kind: "keyed", keys };
      this.connection.events?.handshakeCompleted();
      this.timer.arm(this.timeouts.authMs);
      this.debug("NCP-1 handshake complete", {
        version: `${handshake.version.major}.${handshake.version.minor}.${handshake.version.patch}`,
        algset: handshake.algset,
      });
    } catch (error) {
      this.fail(this.asProtocolError(error).about(frame.subarray(16, HEADER_SIZE)));
    }
  }

  /** A client's 0xFF is only logged (§6). */
  private logClientError(inner: Uint8Array): void {
    try {
      const error = decodeErrorBody(frameBody(inner));
      this.debug(`client sent error ${error.code}: ${error.message}`);
    } catch {
      this.debug("client sent a malformed error frame");
    }
  }

  /** Sends the error (plaintext before keys, else a record) and closes. */
  private fail(error: ProtocolError): void {
    const keys = this.current.kind === "keyed" ? this.current.keys : undefined;
    const frame = buildErrorFrame(error.code, error.message, {
      ref: error.ref,
      reason: error.reason,
      limit: error.limit,
      retryAfterSecs: error.retryAfterSecs,
      nowMs: this.now(),
      version: keys?.major ?? 1,
    });
    this.connection.send(keys === undefined ? frame : keys.tx.seal(frame));
    this.count(error);
    this.debug(`NCP-1 error ${error.code} ${errorCodeName[error.code] ?? ""}: ${error.message}`, {
      state: this.current.kind,
    });
    this.abort(`error ${error.code}: ${error.message}`);
  }

  /** Counts an error frame sent, and before the keys a failed handshake. */
  private count(error: ProtocolError): void {
    const name = errorCodeName[error.code] ?? "UNKNOWN";
    this.connection.events?.errorSent(error.code, name);
    if (this.current.kind === "await_hello") this.connection.events?.handshakeFailed(error.reason ?? name);
  }

  /** Closes without (further) sending: drops whatever else arrives. */
  private abort(reason: string): void {
    const keys = this.current.kind === "keyed" ? this.current.keys : undefined;
    this.current = { kind: "closing", keys };
    this.timer.clear();
    this.replies.clear();
    this.reader.discard();
    this.connection.close(reason);
  }

  private debug(message: string, fields?: Record<string, unknown>): void {
    this.connection.log.debug(message, { peer: this.connection.peer, ...fields });
  }

  private asProtocolError(error: unknown): ProtocolError {
    if (error instanceof ProtocolError) return error;
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.connection.log.warn(`NCP-1 internal error: ${text} (peer ${this.connection.peer})`);
    return new ProtocolError(ErrorCode.internal, "internal error while processing the frame");
  }
}
