import type { Socket, TCPSocketListener, TCPSocketListenOptions } from "bun";
import type { Logger } from "../log/logger.ts";
import type { RateLimitedLog } from "../log/rate-limited-log.ts";
import type { SessionFactory } from "../session/transport.ts";
import { formatHostPort } from "../util/host-port.ts";
import { Connection, type SocketData } from "./connection.ts";
import type { ConnectionRegistry } from "./connection-registry.ts";
import type { ServerStats } from "./server-stats.ts";
import type { TlsMaterial } from "./tls/load-tls.ts";

/** What every listener of a server shares: the registry, counters, logger and protocol. */
export interface ListenerContext {
  registry: ConnectionRegistry;
  stats: ServerStats;
  logger: Logger;
  sessionFactory: SessionFactory;
  /** False while draining: a connection that still arrives is refused. */
  accepting: () => boolean;
  /** Refusals at max_connections, logged at WARN at most once per interval (with a count). */
  limitRefusals: RateLimitedLog;
}

/**
 * Bun.listen's TLS options; `minVersion` is a protocol number (771 = TLS 1.2, 772 = 1.3).
 * Without `ca`, Bun parses its ~150 bundled root certificates for the first TLS context (2.5 ms
 * of start-up, measured); a server that requests no client certificate never uses them, so its
 * own certificate stands in (nothing is requested, sent or verified differently).
 */
export function bunTlsOptions(tls: TlsMaterial): Record<string, unknown> {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? { ca: tls.cert } : { ca: tls.ca, requestCert: true }),
    rejectUnauthorized: tls.requireClientCerts,
    minVersion: tls.minVersion === "1.3" ? 772 : 771,
  };
}

/** Binds one Bun listener on address:port (throws Bun's error: EADDRINUSE, ...). */
export function listenOn(
  address: string,
  port: number,
  tls: TlsMaterial | undefined,
  context: ListenerContext,
): TCPSocketListener<SocketData> {
  const options = {
    hostname: address,
    port,
    reusePort: true, // measured: honoured by Bun.listen, though missing from its types
    data: {},
    ...(tls === undefined ? {} : { tls: bunTlsOptions(tls) }),
    socket: socketHandlers(tls, context),
  };
  return Bun.listen<SocketData>(options as TCPSocketListenOptions<SocketData>);
}

function socketHandlers(tls: TlsMaterial | undefined, context: ListenerContext) {
  const { registry, logger } = context;
  return {
    binaryType: "uint8array" as const,
    open: (socket: Socket<SocketData>) => admit(socket, tls, context),
    handshake: (socket: Socket<SocketData>, success: boolean, authorizationError: Error | null) =>
      finishHandshake(socket, tls, context, success, authorizationError),
    data(socket: Socket<SocketData>, bytes: Uint8Array) {
      socket.data.connection?.receive(bytes);
    },
    drain(socket: Socket<SocketData>) {
      socket.data.connection?.drain();
    },
    close(socket: Socket<SocketData>) {
      const connection = socket.data.connection;
      if (connection === undefined || connection.closed) return;
      registry.remove(connection);
      connection.onClosed();
      logger.debug(`connection from ${connection.peer} closed`);
    },
    error(socket: Socket<SocketData>, error: Error) {
      logger.debug(`connection from ${socket.data.connection?.peer ?? peerOf(socket)}: ${error.message}`);
    },
  };
}

/** A new TCP connection (before any TLS handshake): refused at once over the limit, else registered. */
function admit(socket: Socket<SocketData>, tls: TlsMaterial | undefined, context: ListenerContext): void {
  const { registry, stats, logger } = context;
  socket.data = {};
  if (!context.accepting() || !registry.hasRoom()) {
    stats.rejected.limit++;
    const limit = registry.limits.maxConnections;
    if (context.accepting()) {
      context.limitRefusals.log(
        `refused connection from ${peerOf(socket)}: max_connections (${limit}) reached`,
        {
          max_connections: limit,
        },
      );
    } else logger.debug(`refused connection from ${peerOf(socket)}: shutting down`);
    socket.terminate();
    return;
  }
  const connection = new Connection(
    socket,
    peerOf(socket),
    tls !== undefined,
    logger,
    stats,
    () => registry.limits,
  );
  socket.data.connection = connection;
  registry.add(connection);
  logger.debug(`accepted connection from ${connection.peer}`);
  if (tls === undefined) connection.establish(context.sessionFactory);
}

/** The TLS handshake ended: refuse (counted, logged) or hand the connection to the protocol. */
function finishHandshake(
  socket: Socket<SocketData>,
  tls: TlsMaterial | undefined,
  context: ListenerContext,
  success: boolean,
  authorizationError: Error | null,
): void {
  const { stats, logger } = context;
  const connection = socket.data.connection;
  // A connection the server already closes (idle timeout, shutdown) is counted by that reason only.
  if (connection === undefined || tls === undefined || connection.ending) return;
  const refusal = tlsRefusal(socket, tls, success, authorizationError);
  if (refusal !== undefined) {
    stats.tlsHandshakeFailures[success ? "client_certificate" : "handshake"]++;
    stats.rejected.tls++;
    logger.info(`TLS handshake with ${connection.peer} failed: ${refusal}`);
    connection.terminate();
    return;
  }
  stats.tlsHandshakes++;
  const subject = clientSubject(socket);
  if (subject !== undefined) logger.info(`client certificate of ${connection.peer}: ${subject}`);
  connection.establish(context.sessionFactory);
}

/** Why a finished handshake is refused, or undefined. Bun reports success even for a refused client cert. */
function tlsRefusal(
  socket: Socket<SocketData>,
  tls: TlsMaterial,
  success: boolean,
  authorizationError: Error | null,
): string | undefined {
  if (!success) return authorizationError?.message ?? "handshake failed";
  if (tls.ca === undefined) return undefined;
  const presented = clientSubject(socket) !== undefined;
  if (socket.authorized) return undefined;
  if (tls.requireClientCerts)
    return `client certificate required and not valid (${authorizationError?.message ?? "none presented"})`;
  return presented
    ? `client certificate not valid (${authorizationError?.message ?? "unknown error"})`
    : undefined;
}

function clientSubject(socket: Socket<SocketData>): string | undefined {
  const subject = socket.getPeerCertificate?.()?.subject as Record<string, unknown> | undefined;
  if (subject === undefined || Object.keys(subject).length === 0) return undefined;
  return Object.entries(subject)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(", ");
}

/** "ip:port", IPv4-mapped IPv6 shown as plain IPv4, other IPv6 in brackets. */
export function peerOf(socket: Socket<SocketData>): string {
  return formatHostPort(socket.remoteAddress, socket.remotePort);
}
