/**
 * A bare NCP-1 device for the fault scenarios (K-b): handshake, 0x02, 0x03, 0x10 with replies
 * matched by ref, deliveries acked (or not), reading paused at will, raw records for the fuzzer.
 * Frames are stamped with local time + `offsetMs` (measured with `syncClock`).
 */
import type { KeyObject } from "node:crypto";
import type { Socket } from "bun";
import { AckStatus, buildClientAck, decodeAck, isServerAck } from "../../src/protocol/ack.ts";
import { type AuthResponseBody, decodeAuthResponse } from "../../src/protocol/auth-response.ts";
import { randomBytes, toHex } from "../../src/protocol/bytes.ts";
import { createClientHello, finishClientHandshake } from "../../src/protocol/client-handshake.ts";
import { decodeErrorBody, type ErrorBody } from "../../src/protocol/error-frame.ts";
import { FrameReader } from "../../src/protocol/frame-reader.ts";
import {
  buildFrame,
  decodeHeader,
  FrameType,
  frameBody,
  MAX_FRAME,
  PREAUTH_MAX_FRAME,
} from "../../src/protocol/header.ts";
import { ed25519PrivateKey, rawPublicKey, signEd25519 } from "../../src/protocol/keys.ts";
import {
  authSignatureInput,
  buildAuthRequest,
  decodeTimeSyncReply,
  deviceIdOf,
} from "../../src/protocol/messages.ts";
import { RecordCipher } from "../../src/protocol/record.ts";
import { buildRegister } from "../../src/protocol/register.ts";
import { buildSend, decodeSend } from "../../src/protocol/send.ts";

/** What answered a frame: a server ack (status), an Error frame, or the connection's end. */
export type Reply =
  | { kind: "ack"; status: number; ms: number }
  | { kind: "error"; code: number; reason?: string; limit?: string; retryAfterSecs: number; ms: number }
  | { kind: "closed"; ms: number };

/** Where a fault client connects. */
export interface Target {
  host?: string;
  port: number;
}

const detailOf = (error: ErrorBody, key: string) => error.details.find(([k]) => k === key)?.[1];

/** A 0x33 request (empty body). */
export function timeSyncRequest(timestampMs: bigint): Uint8Array {
  const header = { version: 1, type: FrameType.timeSync, flags: 0, timestampMs, messageId: randomBytes(32) };
  return buildFrame(header, new Uint8Array(0));
}

/** One device on one connection. */
export class FaultClient {
  readonly signing: KeyObject;
  readonly publicKey: Uint8Array;
  readonly deviceId: Uint8Array;
  /** Deliveries (0x10) received, by message_id hex; acked status 1 when `autoAck`. */
  readonly delivered = new Set<string>();
  /** Errors that answered no pending frame. */
  readonly strayErrors: ErrorBody[] = [];
  autoAck = true;
  offsetMs = 0;
  onDelivery?: (id: string, inner: Uint8Array) => void;
  onRecord?: (type: number, inner: Uint8Array) => void;
  readonly closed: Promise<void>;
  private markClosed!: () => void;
  private socket?: Socket<undefined>;
  private tx?: RecordCipher;
  private rx?: RecordCipher;
  private th?: Uint8Array;
  private readonly reader = new FrameReader();
  private readonly pending = new Map<string, { started: number; done: (reply: Reply) => void }>();
  private pings: Array<(serverUs: bigint) => void> = [];
  private unsent: Uint8Array[] = [];
  private ended = false;
  private conversation = randomBytes(32);
  private sequence = BigInt(Math.floor(Math.random() * 2 ** 24));

  private constructor(seed: Uint8Array) {
    this.signing = ed25519PrivateKey(seed);
    this.publicKey = rawPublicKey(this.signing);
    this.deviceId = deviceIdOf(this.publicKey);
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
  }

  /** Connects and completes the handshake (KEYED); rejects if the server closes or refuses first. */
  static async connect(target: Target, seed = randomBytes(32), timeoutMs = 10_000): Promise<FaultClient> {
    const client = new FaultClient(seed);
    const hello = createClientHello();
    const keyed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("handshake timed out")), timeoutMs);
      client.onHandshake = (frame) => {
        clearTimeout(timer);
        const header = decodeHeader(frame);
        if (header.type === FrameType.error) {
          reject(new Error(`refused: ${decodeErrorBody(frameBody(frame)).code}`));
          return;
        }
        const done = finishClientHandshake(hello, frame);
        client.tx = new RecordCipher(done.keys.clientToServer, done.th);
        client.rx = new RecordCipher(done.keys.serverToClient, done.th);
        client.th = done.th;
        resolve();
      };
      void client.closed.then(() => reject(new Error("closed during the handshake")));
    });
    await Bun.connect<undefined>({
      hostname: target.host ?? "127.0.0.1",
      port: target.port,
      socket: {
        open: (socket) => {
          client.socket = socket;
          client.localPort = socket.localPort;
          client.write(hello.frame);
        },
        data: (_socket, data) => client.onData(data),
        drain: () => client.flush(),
        close: () => client.end(),
        error: () => client.end(),
      },
    }).catch((error) => {
      client.end();
      throw error;
    });
    await keyed;
    return client;
  }

  /** Connected, registered as `user` (policy open) and authenticated; throws on any refusal. */
  static async online(target: Target, user: string, seed = randomBytes(32)): Promise<FaultClient> {
    const client = await FaultClient.connect(target, seed);
    await client.syncClock();
    const registered = await client.register(user);
    if (registered.kind !== "ack") throw new Error(`register: ${JSON.stringify(registered)}`);
    const auth = await client.authenticate();
    if ("kind" in auth) throw new Error(`auth: ${JSON.stringify(auth)}`);
    return client;
  }

  private onHandshake?: (frame: Uint8Array) => void;

  now(): bigint {
    return BigInt(Date.now() + this.offsetMs);
  }

  /** A 0x33 request whose reply is not waited for. */
  sendPing(): void {
    this.send(timeSyncRequest(this.now()));
  }

  /** One 0x33 round trip; sets `offsetMs` to the server's clock minus ours. */
  async syncClock(): Promise<number> {
    const sent = Date.now();
    const reply = new Promise<bigint>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no TimeSync reply within 5 s")), 5_000);
      this.pings.push((us) => {
        clearTimeout(timer);
        resolve(us);
      });
    });
    this.send(timeSyncRequest(this.now()));
    const serverMs = Number((await reply) / 1000n);
    this.offsetMs = Math.round(serverMs - (sent + Date.now()) / 2);
    return this.offsetMs;
  }

  register(user: string): Promise<Reply> {
    const messageId = randomBytes(32);
    const frame = buildRegister(
      { messageId, timestampMs: this.now() },
      { userId: user, deviceInfo: "faults" },
      this.signing,
    );
    return this.request(messageId, frame);
  }

  async authenticate(): Promise<AuthResponseBody | Reply> {
    const messageId = randomBytes(32);
    const signature = signEd25519(this.signing, authSignatureInput(this.deviceId, this.th as Uint8Array));
    const frame = buildAuthRequest(
      { version: 1, timestampMs: this.now(), messageId },
      { deviceId: this.deviceId, devicePublicKey: this.publicKey, signature },
    );
    let auth: AuthResponseBody | undefined;
    this.onAuth = (inner) => {
      auth = decodeAuthResponse(inner);
      this.pending.get(toHex(messageId))?.done({ kind: "ack", status: 0, ms: 0 });
    };
    const reply = await this.request(messageId, frame);
    return auth ?? reply;
  }

  private onAuth?: (inner: Uint8Array) => void;

  /** A 0x10 of `payloadBytes` random bytes to `to` (timestamp shifted by `skewMs`); id and reply. */
  sendMessage(to: Uint8Array, payloadBytes = 100, skewMs = 0): { id: string; reply: Promise<Reply> } {
    const messageId = randomBytes(32);
    const frame = buildSend(
      { messageId, timestampMs: this.now() + BigInt(skewMs) },
      {
        recipientId: to,
        conversation: this.conversation,
        sequence: this.sequence++,
        prevMessageHash: new Uint8Array(32),
        encryptedPayload: randomBytes(Math.max(52, payloadBytes)),
      },
      this.signing,
    );
    return { id: toHex(messageId), reply: this.request(messageId, frame) };
  }

  /** Seals and writes an inner frame (dropped once the connection ended). */
  send(inner: Uint8Array): void {
    if (this.ended || this.tx === undefined) return;
    this.write(this.tx.seal(inner));
  }

  /** Writes bytes as they are (e.g. a record mutated after sealing). */
  write(bytes: Uint8Array): void {
    if (this.ended || this.socket === undefined) return;
    if (this.unsent.length > 0) {
      this.unsent.push(bytes);
      return;
    }
    const written = Math.max(0, this.socket.write(bytes));
    if (written < bytes.length) this.unsent.push(bytes.slice(written));
  }

  /** The record cipher, for a fuzzer that seals its own frames. */
  seal(inner: Uint8Array): Uint8Array {
    return (this.tx as RecordCipher).seal(inner);
  }

  /** The local TCP port (how the server's log names this peer). */
  localPort = 0;

  get isClosed(): boolean {
    return this.ended;
  }

  get unsentBytes(): number {
    return this.unsent.reduce((n, b) => n + b.length, 0);
  }

  pause(): void {
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.resume();
  }

  close(): void {
    this.socket?.end();
    this.end();
  }

  private request(messageId: Uint8Array, frame: Uint8Array): Promise<Reply> {
    const started = performance.now();
    const reply = new Promise<Reply>((resolve) => {
      this.pending.set(toHex(messageId), {
        started,
        done: (r) => {
          this.pending.delete(toHex(messageId));
          resolve({ ...r, ms: performance.now() - started });
        },
      });
    });
    if (this.ended) this.pending.get(toHex(messageId))?.done({ kind: "closed", ms: 0 });
    else this.send(frame);
    return reply;
  }

  private flush(): void {
    const queued = this.unsent;
    this.unsent = [];
    for (const bytes of queued) this.write(bytes);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.reader.discard();
    for (const entry of [...this.pending.values()]) entry.done({ kind: "closed", ms: 0 });
    this.markClosed();
  }

  private onData(data: Uint8Array): void {
    this.reader.push(data.slice());
    while (!this.ended) {
      const outcome = this.reader.next(this.rx === undefined ? PREAUTH_MAX_FRAME : MAX_FRAME);
      if (outcome.kind === "need") return;
      const inner = outcome.kind === "frame" && this.rx !== undefined ? this.rx.open(outcome.frame) : null;
      if (outcome.kind === "error" || (this.rx !== undefined && inner === null)) {
        this.close();
        return;
      }
      if (this.rx === undefined) {
        this.onHandshake?.(outcome.frame);
        continue;
      }
      this.onInner(inner as Uint8Array);
    }
  }

  private onInner(inner: Uint8Array): void {
    const type = inner[2] as number;
    this.onRecord?.(type, inner);
    if (type === FrameType.timeSync) this.pings.shift()?.(decodeTimeSyncReply(inner).serverTimeUs);
    else if (type === FrameType.authResponse) this.onAuth?.(inner);
    else if (type === FrameType.error) this.onError(decodeErrorBody(frameBody(inner)));
    else if (type === FrameType.ack) {
      const ack = decodeAck(inner);
      const entry = isServerAck(ack) ? this.pending.get(toHex(ack.refMessageId)) : undefined;
      entry?.done({ kind: "ack", status: ack.status, ms: 0 });
    } else if (type === FrameType.send) this.onSend(inner);
  }

  private onError(error: ErrorBody): void {
    const ref = detailOf(error, "ref");
    const entry = ref === undefined ? undefined : this.pending.get(ref);
    if (entry === undefined) {
      this.strayErrors.push(error);
      return;
    }
    entry.done({
      kind: "error",
      code: error.code,
      reason: detailOf(error, "reason"),
      limit: detailOf(error, "limit"),
      retryAfterSecs: error.retryAfterSecs,
      ms: 0,
    });
  }

  private onSend(inner: Uint8Array): void {
    const id = toHex(decodeHeader(inner).messageId);
    this.delivered.add(id);
    this.onDelivery?.(id, inner);
    if (!this.autoAck) return;
    const body = decodeSend(inner);
    const ack = buildClientAck(
      { timestampMs: this.now() },
      {
        refMessageId: decodeHeader(inner).messageId,
        status: AckStatus.delivered,
        eventTimeMs: this.now(),
        targetId: body.senderId,
      },
      this.signing,
    );
    this.send(ack);
  }
}
