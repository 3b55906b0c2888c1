import type { Socket, TCPSocketListener } from "bun";
import { buildErrorFrame } from "../../src/protocol/error-frame.ts";
import { FrameReader } from "../../src/protocol/frame-reader.ts";
import { decodeHeader, FrameType, MAX_FRAME, PREAUTH_MAX_FRAME } from "../../src/protocol/header.ts";
import { ProtocolError } from "../../src/protocol/protocol-error.ts";
import { RecordCipher } from "../../src/protocol/record.ts";
import { acceptClientHello, type ServerIdentity } from "../../src/protocol/server-handshake.ts";
import { testIdentity } from "../unit/session/session-helpers.ts";
import { FakeRelay, type FakeRelayOptions } from "./fake-relay.ts";

/** One connection to the fake server: handshake, records, and the device once authenticated. */
export class FakeConnection {
  state: "hello" | "keyed" | "auth" | "closed" = "hello";
  deviceId?: string;
  th: Uint8Array = new Uint8Array(32);
  /** Queue entries (message_id hex) pushed on this connection, each at most once (§8.2). */
  readonly pushed = new Set<string>();
  private readonly reader = new FrameReader();
  private tx?: RecordCipher;
  private rx?: RecordCipher;

  constructor(
    private readonly socket: Socket<{ connection?: FakeConnection }>,
    private readonly server: FakeNcpServer,
  ) {}

  onData(bytes: Uint8Array) {
    this.reader.push(bytes.slice());
    while (this.state !== "closed") {
      const outcome = this.reader.next(this.state === "auth" ? MAX_FRAME : PREAUTH_MAX_FRAME);
      if (outcome.kind === "need") return;
      if (outcome.kind === "error") return this.close();
      if (this.state === "hello") this.hello(outcome.frame);
      else {
        const inner = this.rx?.open(outcome.frame);
        if (inner == null) return this.close();
        this.server.log.push(inner);
        this.handle(inner);
      }
    }
  }

  private handle(inner: Uint8Array): void {
    try {
      this.server.relay.handle(this, inner);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      const fatal = this.state === "keyed" || error.code === 101;
      this.error(error.code, error.message, {
        ref: decodeHeader(inner).messageId,
        reason: error.reason,
        fatal,
      });
    }
  }

  /** Seals and writes an inner frame. */
  send(inner: Uint8Array): void {
    if (this.state === "closed" || this.tx === undefined) return;
    this.socket.write(this.tx.seal(inner));
  }

  /** An Error frame with its ref; fatal ones close the connection after it. */
  error(
    code: number,
    message: string,
    options: { ref?: Uint8Array; reason?: string; retryAfterSecs?: number; fatal?: boolean } = {},
  ): void {
    this.send(buildErrorFrame(code, message, options));
    if (options.fatal === true) this.close();
  }

  /** Ends the connection (the socket close event reports it to the relay). */
  close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.socket.end();
  }

  private hello(frame: Uint8Array) {
    if (decodeHeader(frame).type !== FrameType.clientHello) return this.close();
    const done = acceptClientHello(frame, this.server.identity);
    this.socket.write(done.serverHello);
    this.th = done.th;
    this.tx = new RecordCipher(done.keys.serverToClient, done.th);
    this.rx = new RecordCipher(done.keys.clientToServer, done.th);
    this.state = "keyed";
  }
}

/**
 * An in-process NCP-1 server for client tests, written from NCP-1.md: the real handshake and
 * record layer, and a small relay (register, auth, send, acks, presence, directory, revoke).
 */
export class FakeNcpServer {
  readonly identity: ServerIdentity = testIdentity();
  readonly relay: FakeRelay;
  /** Every inner frame received, in order. */
  readonly log: Uint8Array[] = [];
  readonly connections = new Set<FakeConnection>();
  private readonly listener: TCPSocketListener<{ connection?: FakeConnection }>;

  constructor(options: Partial<FakeRelayOptions> = {}) {
    this.relay = new FakeRelay(this.identity, options);
    this.listener = this.listen();
  }

  /** Listens on a random free port in 20000–32767 (test ports stay below the ephemeral range). */
  private listen(): TCPSocketListener<{ connection?: FakeConnection }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return Bun.listen<{ connection?: FakeConnection }>({
          hostname: "127.0.0.1",
          port: 20_000 + Math.floor(Math.random() * 12_768),
          socket: {
            open: (socket) => {
              const connection = new FakeConnection(socket, this);
              socket.data = { connection };
              this.connections.add(connection);
            },
            data: (socket, bytes) => socket.data.connection?.onData(bytes),
            close: (socket) => {
              const connection = socket.data.connection as FakeConnection;
              connection.state = "closed";
              this.connections.delete(connection);
              this.relay.ended(connection);
            },
          },
        });
      } catch (error) {
        if (attempt >= 50) throw error;
      }
    }
  }

  get port(): number {
    return this.listener.port;
  }

  /** The inner frames of `type` received so far. */
  received(type: number): Uint8Array[] {
    return this.log.filter((inner) => inner[2] === type);
  }

  /** Drops every connection without an Error frame (a crash or a network cut, as clients see it). */
  dropAll(): void {
    for (const connection of this.connections) connection.close();
  }

  stop(): void {
    this.listener.stop(true);
  }
}
