import { decodeErrorBody } from "../protocol/error-frame.ts";
import {
  decodeHeader,
  FLAG_ENCRYPTED,
  FrameType,
  frameBody,
  HEADER_SIZE,
  LAYER_C,
  MAX_FRAME,
  PREAUTH_MAX_FRAME,
} from "../protocol/header.ts";
import { ErrorCode, errorCodeName, ProtocolError, rateLimitError } from "../protocol/protocol-error.ts";
import type { ServerIdentity } from "../protocol/server-handshake.ts";
import type { AuthenticateOutcome } from "../relay/authentication.ts";
import { newTimeSyncBucket } from "../relay/limits.ts";
import type { Relay } from "../relay/relay.ts";
import type { TokenBucket } from "../relay/token-bucket.ts";
import { peerAddress } from "../util/host-port.ts";
import { acceptHello } from "./accept-hello.ts";
import type { FrameContext, ReplyValue } from "./handlers/frame-context.ts";
import { handleFrame } from "./handlers/handle-frame.ts";
import { InboundFrames } from "./inbound-frames.ts";
import { connectionIo, LiveDevice } from "./live-device.ts";
import { isFatalAfterAuth, protocolErrorOf } from "./relay-errors.ts";
import { type ReplyOutcome, ReplyQueue } from "./reply-queue.ts";
import { countError, errorFrameOf } from "./session-errors.ts";
import type { SessionLog } from "./session-log.ts";
import type { SessionKeys, SessionState } from "./session-state.ts";
import { SessionTimer } from "./session-timer.ts";
import type { ConnectionContext, ConnectionHandler } from "./transport.ts";

/** §7.1 timeouts of the states before AUTHENTICATED. */
export interface SessionTimeouts {
  helloMs: number;
  authMs: number;
}

export { INBOUND_MAX_BYTES } from "./inbound-frames.ts";

/** What every session of a server shares: the identity, the relay, the clock. */
export interface SessionDeps {
  identity: ServerIdentity;
  relay: Relay;
  now?: () => number;
  /** Overrides the relay's hello/auth timeouts (tests). */
  timeouts?: SessionTimeouts;
  /** Told of every reply that waits, so shutdown can wait for it. */
  track?: (work: Promise<unknown>) => void;
  /** Logs each authenticated session's start and end (§7.2); absent = not logged. */
  sessions?: SessionLog;
}

/**
 * One NCP-1 connection, server side: AWAIT_HELLO → KEYED → AUTHENTICATED with the processing
 * orders of §4.8, §5, §6 and §8, its own timers, and replies that may wait yet leave in arrival
 * order (§7.3 inbound). After authentication non-fatal errors are answered and the session goes on.
 */
export class Session implements ConnectionHandler {
  private current: SessionState = { kind: "await_hello" };
  private readonly inbound: InboundFrames;
  private readonly replies = new ReplyQueue((outcome) => this.deliver(outcome));
  private readonly timer = new SessionTimer(() => this.onTimeout());
  private readonly now: () => number;
  private readonly timeouts: SessionTimeouts;
  private readonly address: string;
  private readonly timeSync: TokenBucket;
  /** A frame failed fatally behind replies still waiting: nothing more is read. */
  private halted = false;

  constructor(
    private readonly connection: ConnectionContext,
    private readonly deps: SessionDeps,
  ) {
    this.now = deps.now ?? Date.now;
    const settings = deps.relay.settings;
    this.timeouts = deps.timeouts ?? { helloMs: settings.helloTimeoutMs, authMs: settings.authTimeoutMs };
    this.address = peerAddress(connection.peer);
    this.timeSync = newTimeSyncBucket(settings.limits, this.now());
    this.inbound = new InboundFrames(connection, () => ({
      waiting: this.replies.pending,
      max: this.deps.relay.settings.inboundMaxPending,
    }));
    this.timer.arm(this.timeouts.helloMs);
  }

  /** The §7.1 state's name. */
  get state(): SessionState["kind"] {
    return this.current.kind;
  }

  /** Bytes from the peer (kept by reference until consumed). */
  onData(bytes: Uint8Array): void {
    if (this.current.kind === "closing") return;
    this.inbound.push(bytes);
    this.readFrames();
  }

  onDrain(): void {
    if (this.current.kind === "authenticated") this.current.live.wake();
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

  /** AUTHENTICATED runs idle_timeout itself (§7.1); before it, the connection timeout applies. */
  ownsIdleTimeout(): boolean {
    return this.current.kind === "authenticated";
  }

  onClose(): void {
    this.timer.clear();
    this.replies.clear();
    this.leaveAuthenticated("connection_closed");
    if (this.current.kind !== "closing") this.current = { kind: "closing" };
  }

  /** Takes whole frames while fewer than the §7.3 inbound limits wait. */
  private readFrames(): void {
    while (this.current.kind !== "closing" && !this.halted) {
      const next = this.inbound.next(this.current.kind === "authenticated" ? MAX_FRAME : PREAUTH_MAX_FRAME);
      if (next === undefined) return;
      if ("error" in next) {
        this.fail(next.error);
        return;
      }
      this.onFrame(next.frame);
    }
  }

  private onFrame(frame: Uint8Array): void {
    if (this.current.kind === "await_hello") {
      this.onHello(frame);
      return;
    }
    if (this.current.kind === "closing") return;
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
    const innerHeader = decodeHeader(inner);
    const live = this.current.kind === "authenticated" ? this.current.live : undefined;
    live?.received(innerHeader.type === FrameType.send);
    try {
      const reply = handleFrame(this.frameContext(inner, innerHeader, keys, live));
      if (reply instanceof Promise) this.deps.track?.(reply);
      this.replies.push(reply);
    } catch (error) {
      this.failInOrder(error);
    }
  }

  private frameContext(
    inner: Uint8Array,
    header: ReturnType<typeof decodeHeader>,
    keys: SessionKeys,
    live: LiveDevice | undefined,
  ): FrameContext {
    return {
      inner,
      header,
      th: keys.th,
      nowMs: this.now(),
      identity: this.deps.identity,
      timeSync: this.timeSync,
      relay: this.deps.relay,
      address: this.address,
      device: live?.device,
      devicePublicKey: live?.devicePublicKey,
      enterAuthenticated: (outcome) => this.enterAuthenticated(outcome),
      closeRevoked: () =>
        this.fail(new ProtocolError(ErrorCode.deviceRevoked, "this device is revoked", "revoked")),
    };
  }

  /** The 0x04 went out: AUTHENTICATED, attached to the router (supersedes), deliveries start. */
  private enterAuthenticated(outcome: AuthenticateOutcome): void {
    if (this.current.kind !== "keyed") return;
    const keys = this.current.keys;
    this.timer.clear();
    const io = connectionIo(this.connection, keys, (error) => this.fail(error), this.deps.sessions);
    const live = new LiveDevice(this.deps.relay, outcome, io, this.now);
    this.current = { kind: "authenticated", keys, live };
  }

  /** A frame failed at once: answered after the replies before it. */
  private failInOrder(error: unknown): void {
    const mapped = protocolErrorOf(error);
    const fatal =
      !(mapped instanceof ProtocolError) || this.current.kind !== "authenticated" || isFatalAfterAuth(mapped);
    if (fatal && this.replies.pending > 0) this.halted = true;
    this.replies.fail(mapped);
  }

  /** One reply in arrival order: sealed and sent, or the error answered (and the session closed if fatal). */
  private deliver(outcome: ReplyOutcome): boolean {
    const state = this.current;
    if (state.kind !== "keyed" && state.kind !== "authenticated") return false;
    if ("error" in outcome) {
      const error = this.asProtocolError(outcome.error);
      if (state.kind === "authenticated" && !isFatalAfterAuth(error)) {
        this.connection.send(state.keys.tx.seal(errorFrameOf(error, this.now(), state.keys.major)));
        countError(this.connection.events, error, this.current.kind === "await_hello");
        this.debug(`NCP-1 error ${error.code} ${errorCodeName[error.code] ?? ""}: ${error.message}`, {
          state: state.kind,
        });
        return true;
      }
      this.fail(error);
      return false;
    }
    this.sendReply(outcome.reply, state.keys);
    if (this.inbound.isPaused) queueMicrotask(() => this.readFrames());
    return true;
  }

  private sendReply(reply: ReplyValue, keys: SessionKeys): void {
    if (reply === null) return;
    if (reply instanceof Uint8Array) {
      this.connection.send(keys.tx.seal(reply));
      return;
    }
    if (reply.frame !== null) this.connection.send(keys.tx.seal(reply.frame));
    reply.after();
  }

  private onHello(frame: Uint8Array): void {
    try {
      this.takeHandshakeToken();
      const { keys, version, algset } = acceptHello(frame, this.deps.identity, this.now());
      this.connection.send(keys.serverHello);
      this.current = { kind: "keyed", keys: keys.session };
      this.connection.events?.handshakeCompleted();
      this.timer.arm(this.timeouts.authMs);
      this.debug("NCP-1 handshake complete", { version, algset });
    } catch (error) {
      this.fail(this.asProtocolError(error).about(frame.subarray(16, HEADER_SIZE)));
    }
  }

  /** §4.8 step 1: the `handshakes` limit of the source address (§10), 502 before the hello is parsed. */
  private takeHandshakeToken(): void {
    const retryAfter = this.deps.relay.limits.handshakes.take([`address:${this.address}`], this.now());
    if (retryAfter > 0) {
      throw rateLimitError("handshake rate limit exceeded", "rate_limit", "handshakes", retryAfter);
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
    if (this.current.kind === "closing") return;
    const keys = this.current.kind === "await_hello" ? undefined : this.current.keys;
    const frame = errorFrameOf(error, this.now(), keys?.major ?? 1);
    this.connection.send(keys === undefined ? frame : keys.tx.seal(frame));
    countError(this.connection.events, error, this.current.kind === "await_hello");
    this.debug(`NCP-1 error ${error.code} ${errorCodeName[error.code] ?? ""}: ${error.message}`, {
      state: this.current.kind,
    });
    this.abort(
      `error ${error.code}: ${error.message}`,
      error.reason ?? errorCodeName[error.code],
      error.code,
    );
  }

  /** Closes without (further) sending: drops whatever else arrives. `trigger` goes to the session end line. */
  private abort(reason: string, trigger = "record_error", code?: number): void {
    this.stop(trigger, code);
    this.connection.close(reason);
  }

  /** Ends the session without a word: leaves the router, stops timers, replies and reading. */
  private stop(trigger = "record_error", code?: number): void {
    const keys =
      this.current.kind === "await_hello" || this.current.kind === "closing" ? undefined : this.current.keys;
    this.leaveAuthenticated(trigger, code);
    this.current = { kind: "closing", keys };
    this.timer.clear();
    this.replies.clear();
    this.inbound.discard();
  }

  /** Leaves the router once (the offline notice goes to the audience when this was the last session). */
  private leaveAuthenticated(trigger?: string, code?: number): void {
    if (this.current.kind !== "authenticated") return;
    const live = this.current.live;
    this.current = { kind: "closing", keys: this.current.keys };
    const detached = live
      .detach(trigger, code)
      .catch((error: unknown) => this.connection.log.warn(`session end: ${String(error)}`));
    this.deps.track?.(detached);
  }

  private debug(message: string, fields?: Record<string, unknown>): void {
    this.connection.log.debug(message, { peer: this.connection.peer, ...fields });
  }

  private asProtocolError(error: unknown): ProtocolError {
    const mapped = protocolErrorOf(error);
    if (mapped instanceof ProtocolError) return mapped;
    const text = mapped instanceof Error ? (mapped.stack ?? mapped.message) : String(mapped);
    this.connection.log.warn(`NCP-1 internal error: ${text} (peer ${this.connection.peer})`);
    return new ProtocolError(ErrorCode.internal, "internal error while processing the frame");
  }
}
