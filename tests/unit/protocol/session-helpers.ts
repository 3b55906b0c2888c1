import { toHex } from "../../../src/protocol/bytes.ts";
import {
  type ClientHandshake,
  createClientHello,
  finishClientHandshake,
} from "../../../src/protocol/client-handshake.ts";
import { decodeErrorBody, detail, type ErrorBody } from "../../../src/protocol/error-frame.ts";
import { FrameReader } from "../../../src/protocol/frame-reader.ts";
import { decodeHeader, FrameType, frameBody, MAX_FRAME } from "../../../src/protocol/header.ts";
import { ed25519PrivateKey, rawPublicKey } from "../../../src/protocol/keys.ts";
import { RecordCipher } from "../../../src/protocol/record.ts";
import type { ServerIdentity } from "../../../src/protocol/server-handshake.ts";
import { newSessionShared, ServerSession, type SessionShared } from "../../../src/protocol/server-session.ts";
import { V } from "./vectors.ts";

/** The §11.1 TEST 2 key as a server identity. */
export function testIdentity(): ServerIdentity {
  const privateKey = ed25519PrivateKey(V.iksSeed);
  const publicKey = rawPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: toHex(publicKey) };
}

/** A ServerSession with its output captured, and a client's view of it. */
export class SessionHarness {
  readonly sent: Uint8Array[] = [];
  closedWith: string | undefined;
  nowMs = Date.now();
  readonly session: ServerSession;
  private readonly reader = new FrameReader();
  private consumed = 0;
  rx?: RecordCipher;
  tx?: RecordCipher;
  handshake?: ClientHandshake;

  constructor(
    readonly identity: ServerIdentity = testIdentity(),
    shared: SessionShared = newSessionShared("127.0.0.1"),
  ) {
    this.session = new ServerSession(
      identity,
      {
        send: (bytes) => this.sent.push(bytes),
        close: (reason) => {
          this.closedWith = reason;
        },
        debug: () => {},
        warn: (message) => {
          throw new Error(`unexpected internal error: ${message}`);
        },
      },
      () => this.nowMs,
      shared,
    );
  }

  /** Frames the server sent since the last call (records opened when keys exist). */
  received(): Uint8Array[] {
    for (const chunk of this.sent.slice(this.consumed)) this.reader.push(chunk);
    this.consumed = this.sent.length;
    const frames: Uint8Array[] = [];
    for (;;) {
      const outcome = this.reader.next(MAX_FRAME);
      if (outcome.kind !== "frame") return frames;
      const frame = outcome.frame;
      const isRecord = ((frame[3] as number) & 1) === 1;
      frames.push(isRecord && this.rx ? (this.rx.open(frame) as Uint8Array) : frame);
    }
  }

  /** Completes a handshake (optionally feeding the ClientHello one byte at a time). */
  connect(byteByByte = false): ClientHandshake {
    const hello = createClientHello();
    if (byteByByte) for (const byte of hello.frame) this.session.onData(Uint8Array.of(byte));
    else this.session.onData(hello.frame);
    const [serverHello] = this.received();
    const handshake = finishClientHandshake(hello, serverHello as Uint8Array, this.identity.publicKey);
    this.rx = new RecordCipher(handshake.keys.serverToClient, handshake.th);
    this.tx = new RecordCipher(handshake.keys.clientToServer, handshake.th);
    this.handshake = handshake;
    return handshake;
  }

  /** Seals and delivers an inner frame. */
  sendRecord(inner: Uint8Array): void {
    this.session.onData((this.tx as RecordCipher).seal(inner));
  }
}

/** The Error frame among `frames` (asserting there is exactly one frame and it is 0xFF). */
export function onlyError(frames: Uint8Array[]): ErrorBody & { ref?: string; reason?: string } {
  if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
  const frame = frames[0] as Uint8Array;
  const header = decodeHeader(frame);
  if (header.type !== FrameType.error) throw new Error(`expected an Error frame, got type ${header.type}`);
  const body = decodeErrorBody(frameBody(frame));
  return { ...body, ref: detail(body, "ref"), reason: detail(body, "reason") };
}
