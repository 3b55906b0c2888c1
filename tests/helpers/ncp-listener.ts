import type { Socket, TCPSocketListener } from "bun";
import type { Logger } from "../../src/log/logger.ts";
import type { ServerIdentity } from "../../src/protocol/server-handshake.ts";
import { createSessionFactory } from "../../src/session/session-factory.ts";
import type { ConnectionContext, ConnectionHandler } from "../../src/session/transport.ts";

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
  const factory = createSessionFactory(identity);
  const contextOf = (socket: Socket<Data>): ConnectionContext => ({
    peer: `${socket.remoteAddress}`,
    tls: tls !== undefined,
    tlsVersion: () => undefined,
    send: (bytes) => {
      socket.write(bytes);
    },
    bufferedBytes: () => 0,
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

/** A self-signed certificate for 127.0.0.1/localhost made with the openssl CLI into `dir`. */
export async function selfSignedCert(dir: string): Promise<{ cert: string; key: string; certFile: string }> {
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const child = Bun.spawn(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
    { stdout: "ignore", stderr: "pipe" },
  );
  if ((await child.exited) !== 0)
    throw new Error(`openssl failed: ${await new Response(child.stderr).text()}`);
  return { cert: await Bun.file(certFile).text(), key: await Bun.file(keyFile).text(), certFile };
}
