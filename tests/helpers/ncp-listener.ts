import type { Socket, TCPSocketListener } from "bun";
import type { Logger } from "../../src/log/logger.ts";
import type { ServerIdentity } from "../../src/protocol/server-handshake.ts";
import { createSelfSignedCertificate } from "../../src/server/tls/create-self-signed.ts";
import { createSessionFactory } from "../../src/session/session-factory.ts";
import type { ConnectionContext, ConnectionHandler } from "../../src/session/transport.ts";
import { testRelay } from "./test-relay.ts";

const quietLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  configure() {},
  reopen() {},
  flush() {},
  close() {},
} as unknown as Logger;

interface Data {
  handler?: ConnectionHandler;
}

/**
 * An in-process NCP-1 listener on 127.0.0.1 for unit tests of the client: the real handler factory
 * behind a minimal connection context (the production connection layer lives in src/server).
 */
export function listenNcp(
  identity: ServerIdentity,
  tls?: { cert: string; key: string },
): TCPSocketListener<Data> {
  const factory = createSessionFactory(identity, testRelay(identity));
  const contextOf = (socket: Socket<Data>): ConnectionContext => ({
    peer: `${socket.remoteAddress}`,
    tls: tls !== undefined,
    tlsVersion: () => undefined,
    send: (bytes) => {
      socket.write(bytes);
    },
    bufferedBytes: () => 0,
    limitOutbound: () => {},
    pauseReading: () => socket.pause(),
    resumeReading: () => socket.resume(),
    close: () => {
      socket.end();
    },
    log: quietLogger,
  });
  return Bun.listen<Data>({
    hostname: "127.0.0.1",
    port: 0,
    tls,
    socket: {
      open(socket) {
        socket.data = { handler: factory(contextOf(socket)) };
      },
      data(socket, bytes) {
        socket.data.handler?.onData(bytes);
      },
      close(socket) {
        socket.data.handler?.onClose();
      },
    },
  });
}

/** A self-signed certificate for 127.0.0.1/localhost, made in process (no openssl CLI), written into `dir`. */
export async function selfSignedCert(dir: string): Promise<{ cert: string; key: string; certFile: string }> {
  const made = createSelfSignedCertificate({
    commonName: "localhost",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
    validDays: 1,
  });
  const certFile = `${dir}/cert.pem`;
  await Bun.write(certFile, made.certPem);
  await Bun.write(`${dir}/key.pem`, made.keyPem);
  return { cert: made.certPem, key: made.keyPem, certFile };
}
