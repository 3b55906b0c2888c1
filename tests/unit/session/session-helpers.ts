import type { Logger } from "../../../src/log/logger.ts";
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
import type { Relay } from "../../../src/relay/relay.ts";
import { Session } from "../../../src/session/session.ts";
import type { ConnectionContext } from "../../../src/session/transport.ts";
import { testRelay } from "../../helpers/test-relay.ts";
import { V } from "../protocol/vectors.ts";

/** The §11.1 TEST 2 key as a server identity. */
export function testIdentity(): ServerIdentity {
  const privateKey = ed25519PrivateKey(V.iksSeed);
  const publicKey = rawPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: toHex(publicKey) };
}

/** A relay (its limits and store) shared by several harnesses, and the source address their connections come from. */
export interface SessionShared {
  relay: Relay;
  address: string;
}

export function newSessionShared(address: string, identity: ServerIdentity = testIdentity()): SessionShared {
  return { relay: testRelay(identity), address };
}

const noop = () => {};

/** A Session over a fake connection with its output captured, and a client's view of it. */
export class SessionHarness {
  readonly sent: Uint8Array[] = [];
  closedWith: string | undefined;
  /** What the fake connection reports as unsent, and how often reading was paused/resumed. */
  buffered = 0;
  pauses = 0;
  resumes = 0;
  nowMs = Date.now();
  readonly session: Session;
  private readonly reader = new FrameReader();
  private consumed = 0;
  rx?: RecordCipher;
  tx?: RecordCipher;
  handshake?: ClientHandshake;

  constructor(
    readonly identity: ServerIdentity = testIdentity(),
    shared: SessionShared = newSessionShared("127.0.0.1"),
  ) {
    const log = {
      trace: noop,
      debug: noop,
      info: noop,
      error: noop,
      warn: (message: string) => {
        throw new Error(`unexpected internal error: ${message}`);
      },
    } as unknown as Logger;
    const connection: ConnectionContext = {
      peer: `${shared.address}:5000`,
      tls: false,
      tlsVersion: () => undefined,
      send: (bytes) => this.sent.push(bytes),
      bufferedBytes: () => this.buffered,
      limitOutbound: () => {},
      pauseReading: () => {
        this.pauses++;
      },
      resumeReading: () => {
        this.resumes++;
      },
      close: (reason) => {
        this.closedWith = reason;
      },
      log,
    };
    this.session = new Session(connection, { identity, relay: shared.relay, now: () => this.nowMs });
  }

  /** Lets replies that wait on the relay (its store) settle. */
  async settle(): Promise<void> {
    await Bun.sleep(2);
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
