import { AuthLockout } from "./auth-lockout.ts";
import { buildErrorFrame, decodeErrorBody } from "./error-frame.ts";
import { FrameReader } from "./frame-reader.ts";
import {
  decodeHeader,
  FLAG_ENCRYPTED,
  FrameType,
  frameBody,
  HEADER_SIZE,
  LAYER_C,
  PREAUTH_MAX_FRAME,
} from "./header.ts";
import { KeyedBuckets } from "./keyed-buckets.ts";
import { handleKeyedFrame } from "./keyed-requests.ts";
import { ErrorCode, errorCodeName, ProtocolError } from "./protocol-error.ts";
import { RecordCipher } from "./record.ts";
import { acceptClientHello, type ServerIdentity } from "./server-handshake.ts";
import { TokenBucket } from "./token-bucket.ts";

/** What a session does to the outside world (one connection). */
export interface SessionIo {
  send(bytes: Uint8Array): void;
  /** Flush what was sent, then close. */
  close(reason: string): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  /** A failure that is a bug, not the peer's doing (answered with 500). */
  warn(message: string): void;
}

/** Limits shared by every connection of a server, and this connection's source address. */
export interface SessionShared {
  lockout: AuthLockout;
  registrations: KeyedBuckets;
  address: string;
}

/** Fresh shared limits: `auth_failures` lockout and `registrations` (3 per hour, burst 3). */
export function newSessionShared(address: string): SessionShared {
  return { lockout: new AuthLockout(), registrations: new KeyedBuckets(3, 3 / 3600), address };
}

/** Server states of §7.1 (AUTHENTICATED is not reachable until devices exist). */
export type ServerState = "await_hello" | "keyed" | "closing";

/**
 * The NCP-1 server state machine of one connection: AWAIT_HELLO → KEYED, with the processing
 * orders of §4.8, §5 and §6. Pure apart from `io` and the clock; timers belong to the caller.
 */
export class ServerSession {
  state: ServerState = "await_hello";
  private readonly reader = new FrameReader();
  private rx?: RecordCipher;
  private tx?: RecordCipher;
  private th?: Uint8Array;
  private major = 1;
  private readonly timeSync: TokenBucket;

  constructor(
    private readonly identity: ServerIdentity,
    private readonly io: SessionIo,
    private readonly now: () => number = Date.now,
    private readonly shared: SessionShared = newSessionShared(""),
  ) {
    this.timeSync = new TokenBucket(10, 1, now());
  }

  /** Bytes from the peer (kept by reference until consumed). */
  onData(bytes: Uint8Array): void {
    if (this.state === "closing") return;
    this.reader.push(bytes);
    while (this.isOpen()) {
      const outcome = this.reader.next(PREAUTH_MAX_FRAME);
      if (outcome.kind === "need") return;
      if (outcome.kind === "error") {
        const what =
          outcome.code === ErrorCode.messageTooLarge ? "above the limit of" : "below the minimum of";
        const limit = outcome.code === ErrorCode.messageTooLarge ? outcome.limit : HEADER_SIZE;
        this.fail(
          new ProtocolError(outcome.code, `frame length ${outcome.length} is ${what} ${limit} bytes`),
        );
        return;
      }
      this.onFrame(outcome.frame);
    }
  }

  private isOpen(): boolean {
    return this.state !== "closing";
  }

  /** The state's timeout fired (hello 10 s, auth 30 s): 101 reason=timeout, then close. */
  onTimeout(): void {
    if (this.state === "closing") return;
    const what = this.state === "await_hello" ? "ClientHello" : "authentication";
    this.fail(new ProtocolError(ErrorCode.messageFormat, `timed out waiting for ${what}`, "timeout"));
  }

  /** Graceful shutdown: 501 with retry_after, then close. */
  onShutdown(retryAfterSecs: number): void {
    if (this.state === "closing") return;
    const error = new ProtocolError(ErrorCode.serviceUnavailable, "the server is shutting down", "shutdown");
    error.retryAfterSecs = retryAfterSecs;
    this.fail(error);
  }

  private onFrame(frame: Uint8Array): void {
    if (this.state === "await_hello") {
      this.onHello(frame);
      return;
    }
    const header = decodeHeader(frame);
    if (header.layer !== LAYER_C || header.version !== this.major || (header.flags & FLAG_ENCRYPTED) === 0) {
      this.fail(
        new ProtocolError(
          ErrorCode.messageFormat,
          "expected a record (layer 1, negotiated version, flags bit 0)",
        ).about(header.messageId),
      );
      return;
    }
    const inner = this.rx?.open(frame);
    if (inner === null || inner === undefined) {
      this.abort("record authentication failed");
      return;
    }
    if (header.type === FrameType.error) {
      this.logClientError(inner);
      return;
    }
    try {
      const reply = handleKeyedFrame(inner, {
        th: this.th as Uint8Array,
        nowMs: this.now(),
        identity: this.identity,
        timeSync: this.timeSync,
        lockout: this.shared.lockout,
        registrations: this.shared.registrations,
        address: this.shared.address,
      });
      if (reply !== null) this.io.send((this.tx as RecordCipher).seal(reply));
    } catch (error) {
      this.fail(this.asProtocolError(error));
    }
  }

  private onHello(frame: Uint8Array): void {
    try {
      const handshake = acceptClientHello(frame, this.identity, { nowMs: this.now() });
      this.io.send(handshake.serverHello);
      this.rx = new RecordCipher(handshake.keys.clientToServer, handshake.th);
      this.tx = new RecordCipher(handshake.keys.serverToClient, handshake.th);
      handshake.keys.masterSecret.fill(0);
      this.th = handshake.th;
      this.major = handshake.version.major;
      this.state = "keyed";
      this.io.debug("NCP-1 handshake complete", {
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
      this.io.debug(`client sent error ${error.code}: ${error.message}`);
    } catch {
      this.io.debug("client sent a malformed error frame");
    }
  }

  /** Sends the error (plaintext before keys, else a record) and closes. */
  private fail(error: ProtocolError): void {
    const frame = buildErrorFrame(error.code, error.message, {
      ref: error.ref,
      reason: error.reason,
      limit: error.limit,
      retryAfterSecs: error.retryAfterSecs,
      nowMs: this.now(),
      version: this.major,
    });
    this.io.send(this.tx === undefined ? frame : this.tx.seal(frame));
    this.io.debug(`NCP-1 error ${error.code} ${errorCodeName[error.code] ?? ""}: ${error.message}`, {
      state: this.state,
    });
    this.abort(`error ${error.code}: ${error.message}`);
  }

  /** Closes without (further) sending: drops whatever else arrives. */
  private abort(reason: string): void {
    this.state = "closing";
    this.reader.discard();
    this.io.close(reason);
  }

  private asProtocolError(error: unknown): ProtocolError {
    if (error instanceof ProtocolError) return error;
    this.io.warn(
      `NCP-1 internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return new ProtocolError(ErrorCode.internal, "internal error while processing the frame");
  }
}
