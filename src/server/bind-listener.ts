import type { TCPSocketListener } from "bun";
import { ExitCode, errorMessage, NorcError } from "../errors.ts";
import { errnoCode } from "../util/errno.ts";
import { formatHostPort } from "../util/host-port.ts";
import type { SocketData } from "./connection.ts";
import { type ListenerContext, listenOn } from "./listener.ts";
import type { ListenInfo } from "./server-handle.ts";
import type { TlsMaterial } from "./tls/load-tls.ts";

/** A bound NORC listener and what it serves. */
export interface ActiveListener {
  info: ListenInfo;
  tls?: TlsMaterial;
  /** Stop accepting; established connections stay. */
  stop(): void;
}

/** A socket this server holds already, and what to do when a new one collides with it. */
export interface OwnSocket {
  what: string;
  address: string;
  port: number;
  fix: string;
}

/** Which config section a listener comes from, and what this server holds, for bind errors. */
export interface BindPlace {
  /** "network" (also set by --bind/--port) or "metrics". */
  section: "network" | "metrics";
  own?: OwnSocket[];
}

/**
 * Binds address:port. Listeners use SO_REUSEPORT so a reload can bind a new TLS context on the
 * same port before the old one stops; `exclusiveCheck` first binds without it, so a port held by
 * any other socket (another server too) is still reported as in use (exit 75).
 */
export function bindListener(
  address: string,
  port: number,
  tls: TlsMaterial | undefined,
  context: ListenerContext,
  exclusiveCheck: boolean,
  place: BindPlace = { section: "network" },
): ActiveListener {
  let listener: TCPSocketListener<SocketData>;
  try {
    const boundPort = exclusiveCheck ? probePort(address, port) : port;
    listener = listenOn(address, boundPort, tls, context);
  } catch (error) {
    throw bindError(address, port, error, place);
  }
  const info = { address, port: listener.port, tls: tls !== undefined };
  let stopped = false;
  const stop = () => {
    if (!stopped) listener.stop(false);
    stopped = true;
  };
  return { info, tls, stop };
}

/** Binds and releases address:port without SO_REUSEPORT: fails if anything holds it; resolves port 0. */
function probePort(address: string, port: number): number {
  const probe = Bun.listen({ hostname: address, port, socket: { data() {} } });
  const bound = probe.port;
  probe.stop(true);
  return bound;
}

/**
 * A bind failure as a NorcError naming address and port (exit 75), with the next step for the
 * section the listener comes from; a collision with a socket of this server itself says so.
 */
export function bindError(
  address: string,
  port: number,
  error: unknown,
  place: BindPlace = { section: "network" },
): NorcError {
  const code = errnoCode(error) ?? "";
  const where = formatHostPort(address, port);
  const { section } = place;
  const flag = (name: string) => (section === "network" ? ` (or ${name})` : "");
  if (code === "EADDRINUSE") {
    const own = place.own?.find((held) => held.port === port && overlaps(held.address, address));
    const next = own
      ? `this server's own ${own.what} holds ${formatHostPort(own.address, own.port)}: ${own.fix}`
      : `stop the process using port ${port} (ss -ltnp 'sport = :${port}' shows it), or set another ${section}.port${flag("--port")}`;
    return new NorcError(
      `cannot listen on ${where}: address already in use (EADDRINUSE): ${next}`,
      ExitCode.tempFail,
    );
  }
  if (code === "EADDRNOTAVAIL") {
    return new NorcError(
      `cannot listen on ${where}: address not available on this machine (EADDRNOTAVAIL): set ${section}.bind_address${flag("--bind")} to an address of this host, such as ${section === "network" ? "0.0.0.0" : "127.0.0.1"}`,
      ExitCode.tempFail,
    );
  }
  if (code === "EACCES") {
    return new NorcError(
      `cannot listen on ${where}: permission denied (EACCES): set ${section}.port above 1023, or give the binary the right to bind low ports`,
      ExitCode.tempFail,
    );
  }
  return new NorcError(
    `cannot listen on ${where}: ${errorMessage(error)} (${code || "error"})`,
    ExitCode.tempFail,
  );
}

/** True when sockets on a and b with the same port collide: the same address, or a wildcard covering the other. */
export function overlaps(a: string, b: string): boolean {
  if (a === b || a === "::" || b === "::") return true;
  const v4 = (address: string) => !address.includes(":");
  return (a === "0.0.0.0" && v4(b)) || (b === "0.0.0.0" && v4(a));
}

/** The start-up line: `listening on 127.0.0.1:8443 (TLS on, min 1.3, client certs off)`. */
export function listeningLine(listener: ActiveListener): string {
  const where = formatHostPort(listener.info.address, listener.info.port);
  const tls = listener.tls;
  if (tls === undefined) return `listening on ${where} (TLS off)`;
  const clientCerts = tls.ca === undefined ? "off" : tls.requireClientCerts ? "required" : "optional";
  return `listening on ${where} (TLS on, min ${tls.minVersion}, client certs ${clientCerts})`;
}
