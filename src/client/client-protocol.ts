import type { Socket } from "bun";
import { randomBytes, toHex } from "../protocol/bytes.ts";
import {
  type ClientHelloState,
  createClientHello,
  finishClientHandshake,
} from "../protocol/client-handshake.ts";
import { decodeErrorBody } from "../protocol/error-frame.ts";
import { FrameReader } from "../protocol/frame-reader.ts";
import {
  buildFrame,
  decodeHeader,
  FLAG_ENCRYPTED,
  FrameType,
  frameBody,
  MAX_FRAME,
  PREAUTH_MAX_FRAME,
} from "../protocol/header.ts";
import { verifyEd25519Raw } from "../protocol/keys.ts";
import { decodeTimeSyncReply } from "../protocol/messages.ts";
import { ProtocolError } from "../protocol/protocol-error.ts";
import { RecordCipher } from "../protocol/record.ts";
import { asClientError, NcpClientError, serverError } from "./client-error.ts";
import { type PingResult, PingTracker } from "./ping-tracker.ts";

export type { PingResult } from "./ping-tracker.ts";

/** What the handshake settled. */
export interface ConnectionInfo {
  version: string;
  algset: string;
  fingerprint: string;
  identityCheck: "pinned" | "remembered" | "first-use";
  tlsVersion?: string;
}

/** The client side of one NCP-1 connection over a socket: AWAIT_SH → KEYED, pings, errors. */
export class ClientProtocol {
  identityCheck: ConnectionInfo["identityCheck"] = "first-use";
  /** The TCP connection was made (a later timeout is not "unreachable"). */
  tcpOpened = false;
  readonly handshakeDone: Promise<ConnectionInfo>;
  readonly closedPromise: Promise<void>;
  private resolveHandshake!: (info: ConnectionInfo) => void;
  private rejectHandshake!: (error: NcpClientError) => void;
  private resolveClosed!: () => void;
  private socket?: Socket<undefined>;
  private unsent?: Uint8Array;
  private readonly reader = new FrameReader();
  private hello?: ClientHelloState;
  private tx?: RecordCipher;
  private rx?: RecordCipher;
  private serverKey?: Uint8Array;
  private readonly pings = new PingTracker();
  private th?: Uint8Array;
  private recordHandler?: (inner: Uint8Array, type: number) => void;
  private noted?: NcpClientError;
  private error?: NcpClientError;
  private done = false;

  constructor(private readonly expectedIdentity?: Uint8Array) {
    this.handshakeDone = new Promise((resolve, reject) => {
      this.resolveHandshake = resolve;
      this.rejectHandshake = reject;
    });
    this.handshakeDone.catch(() => {});
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  attach(socket: Socket<undefined>): void {
    this.socket ??= socket;
    if (this.done) socket.end();
  }

  onOpen(socket: Socket<undefined>): void {
    this.socket = socket;
    this.hello = createClientHello();
    this.write(this.hello.frame);
  }

  onData(data: Uint8Array): void {
    if (this.done) return;
    this.reader.push(data.slice());
    while (!this.done) {
      const outcome = this.reader.next(this.rx === undefined ? PREAUTH_MAX_FRAME : MAX_FRAME);
      if (outcome.kind === "need") return;
      if (outcome.kind === "error") {
        this.fail(
          new NcpClientError("protocol", `server frame length ${outcome.length} is invalid`, outcome.code),
        );
        return;
      }
      try {
        this.onFrame(outcome.frame);
      } catch (error) {
        this.fail(asClientError(error));
      }
    }
  }

  onDrain(): void {
    const pending = this.unsent;
    this.unsent = undefined;
    if (pending !== undefined) this.write(pending);
  }

  onClose(): void {
    this.fail(this.noted ?? new NcpClientError("closed", "the server closed the connection"));
    this.resolveClosed();
  }

  /** Ends the connection with `error` reported to every waiter. */
  fail(error: NcpClientError): void {
    if (this.done) return;
    this.error = error;
    this.finish();
  }

  /** The error that ended the connection, if it has ended. */
  endError(): NcpClientError | undefined {
    return this.error;
  }

  close(): void {
    this.fail(new NcpClientError("closed", "the connection was closed by the client"));
  }

  /** An error the server sent that may end the connection: reported if the server then closes. */
  noteError(error: NcpClientError): void {
    this.noted = error;
  }

  /** After the handshake: every record except TimeSync replies goes to `handler`, 0xFF included. */
  onRecord(handler: (inner: Uint8Array, type: number) => void): void {
    this.recordHandler = handler;
  }

  /** The transcript hash th (the 0x03 challenge, §6.3); undefined before the ServerHello. */
  get transcriptHash(): Uint8Array | undefined {
    return this.th;
  }

  /** Seals an inner frame into the next record and writes it (dropped once the connection ended). */
  sendRecord(inner: Uint8Array): void {
    if (this.done || this.tx === undefined) throw this.error ?? new NcpClientError("closed", "not connected");
    this.write(this.tx.seal(inner));
  }

  ping(timeoutMs: number): Promise<PingResult> {
    if (this.done || this.tx === undefined) {
      return Promise.reject(this.error ?? new NcpClientError("closed", "not connected"));
    }
    const timeout = new NcpClientError("timeout", `no TimeSync reply within ${timeoutMs} ms`);
    const result = this.pings.add(timeoutMs, () => this.fail(timeout));
    const header = { version: 1, type: FrameType.timeSync, flags: 0, timestampMs: BigInt(Date.now()) };
    this.sendRecord(buildFrame({ ...header, messageId: randomBytes(32) }, new Uint8Array(0)));
    return result;
  }

  private onFrame(frame: Uint8Array): void {
    const header = decodeHeader(frame);
    const encrypted = (header.flags & FLAG_ENCRYPTED) !== 0;
    if (this.rx === undefined) {
      if (header.type === FrameType.error && !encrypted) this.onServerError(frameBody(frame));
      else this.onServerHello(frame);
      return;
    }
    if (!encrypted || header.layer !== 1 || header.version !== 1) {
      throw new ProtocolError(101, "the server sent a non-record frame after the handshake");
    }
    const inner = this.rx.open(frame);
    if (inner === null) throw new NcpClientError("protocol", "a server record failed authentication");
    if (header.type === FrameType.timeSync) this.onTimeSync(inner);
    else if (this.recordHandler !== undefined) this.recordHandler(inner, header.type);
    else if (header.type === FrameType.error) this.onServerError(frameBody(inner));
    else
      throw new ProtocolError(
        101,
        `unexpected frame type 0x${header.type.toString(16)} before authentication`,
      );
  }

  private onServerHello(frame: Uint8Array): void {
    const done = finishClientHandshake(this.hello as ClientHelloState, frame, this.expectedIdentity);
    this.tx = new RecordCipher(done.keys.clientToServer, done.th);
    this.rx = new RecordCipher(done.keys.serverToClient, done.th);
    this.serverKey = done.serverHello.serverIdentity;
    this.th = done.th;
    const { major, minor, patch } = done.version;
    this.resolveHandshake({
      version: `${major}.${minor}.${patch}`,
      algset: done.algset,
      fingerprint: toHex(done.serverHello.serverIdentity),
      identityCheck: this.identityCheck,
      tlsVersion: this.socket?.getTLSVersion?.() || undefined,
    });
  }

  private onTimeSync(inner: Uint8Array): void {
    const reply = decodeTimeSyncReply(inner);
    if (!verifyEd25519Raw(this.serverKey as Uint8Array, reply.signed, reply.signature)) {
      throw new NcpClientError("protocol", "a TimeSync reply is not signed by the server identity", 200);
    }
    if (!this.pings.answer(reply.serverTimeUs)) {
      throw new NcpClientError("protocol", "an unrequested TimeSync reply arrived", 101);
    }
  }

  private onServerError(body: Uint8Array): void {
    this.fail(serverError(decodeErrorBody(body)));
  }

  private write(bytes: Uint8Array): void {
    if (this.socket === undefined || this.done) return;
    if (this.unsent !== undefined) {
      this.unsent = Buffer.concat([this.unsent, bytes]);
      return;
    }
    const written = Math.max(0, this.socket.write(bytes));
    if (written < bytes.length) this.unsent = bytes.slice(written);
  }

  private finish(): void {
    this.done = true;
    this.reader.discard();
    const error = this.error as NcpClientError;
    this.rejectHandshake(error);
    this.pings.rejectAll(error);
    this.socket?.end();
  }
}
