import { readFileSync } from "node:fs";
import type { Socket } from "bun";
import { fromHex } from "../protocol/bytes.ts";
import { errnoText } from "../util/errno.ts";
import { NcpClientError } from "./client-error.ts";
import { ClientProtocol, type ConnectionInfo, type PingResult } from "./client-protocol.ts";
import { MemoryTrustStore, type TrustStore } from "./trust-store.ts";

/** TLS settings of a client: a CA to trust, or `insecure` for self-signed servers; SNI name. */
export interface ClientTlsOptions {
  caFile?: string;
  insecure?: boolean;
  serverName?: string;
}

/** Where and how to connect. Without `pin`, the server key is trusted on first use via `trustStore`. */
export interface ConnectOptions {
  host: string;
  port: number;
  tls?: ClientTlsOptions;
  /** Expected server fingerprint: 64 hex characters (§4.5). */
  pin?: string;
  trustStore?: TrustStore;
  /** Deadline for TCP + TLS + NCP-1 handshake (default 10 s, as AWAIT_SH). */
  timeoutMs?: number;
}

const processTrustStore = new MemoryTrustStore();

/** A connected, keyed NCP-1 session. */
export interface NcpConnection {
  readonly info: ConnectionInfo;
  /** A 0x33 TimeSync round trip, verified with the server identity. */
  ping(timeoutMs?: number): Promise<PingResult>;
  /** Closes the connection (clean TCP/TLS close). */
  close(): void;
  /** Resolves when the connection is gone. */
  readonly closed: Promise<void>;
  /** Why the connection ended (e.g. the server's 501 at shutdown), once it has. */
  endedBy(): NcpClientError | undefined;
  /** The transcript hash th: the challenge the 0x03 signs (§6.3). */
  readonly transcriptHash: Uint8Array;
  /** IKs_pk, which signs the server's acks, TimeSync replies and offline notices. */
  readonly serverKey: Uint8Array;
  /** Seals and writes an inner frame as the next record. */
  send(inner: Uint8Array): void;
  /** Hands every later record except TimeSync replies (0xFF included) to `handler`. */
  onRecord(handler: (inner: Uint8Array, type: number) => void): void;
  /** Ends the connection, reporting `error` to every waiter. */
  fail(error: NcpClientError): void;
  /** Remembers an Error frame that may be fatal: what `endedBy` reports if the server then closes. */
  noteError(error: NcpClientError): void;
}

/** Connects, runs the NCP-1 handshake with the server key pinned or trusted on first use, and resolves keyed. */
export async function connectNcp(options: ConnectOptions): Promise<NcpConnection> {
  const endpoint = `${options.host}:${options.port}`;
  const store = options.trustStore ?? processTrustStore;
  const pin = options.pin === undefined ? undefined : parsePin(options.pin);
  const remembered = pin === undefined ? store.get(endpoint) : undefined;
  const protocol = new ClientProtocol(pin ?? (remembered === undefined ? undefined : parsePin(remembered)));
  protocol.identityCheck =
    pin !== undefined ? "pinned" : remembered !== undefined ? "remembered" : "first-use";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timer = setTimeout(() => {
    const kind = protocol.tcpOpened ? "timeout" : "unreachable";
    protocol.fail(new NcpClientError(kind, `no NCP-1 handshake with ${endpoint} within ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    const socket = await openSocket(options, protocol, endpoint);
    protocol.attach(socket);
    const info = await protocol.handshakeDone;
    if (pin === undefined && remembered === undefined) store.remember(endpoint, info.fingerprint);
    return {
      info,
      ping: (pingTimeoutMs = 30_000) => protocol.ping(pingTimeoutMs),
      close: () => protocol.close(),
      closed: protocol.closedPromise,
      endedBy: () => protocol.endError(),
      transcriptHash: protocol.transcriptHash as Uint8Array,
      serverKey: fromHex(info.fingerprint),
      send: (inner) => protocol.sendRecord(inner),
      onRecord: (handler) => protocol.onRecord(handler),
      fail: (error) => protocol.fail(error),
      noteError: (error) => protocol.noteError(error),
    };
  } catch (error) {
    protocol.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function parsePin(pin: string): Uint8Array {
  const clean = pin.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(clean)) {
    throw new NcpClientError(
      "identity",
      `pin "${pin}" is not a server fingerprint (64 hex characters, as the server logs it)`,
    );
  }
  return fromHex(clean);
}

async function openSocket(
  options: ConnectOptions,
  protocol: ClientProtocol,
  endpoint: string,
): Promise<Socket<undefined>> {
  const tls = options.tls;
  let ca: string | undefined;
  if (tls?.caFile !== undefined) {
    try {
      ca = readFileSync(tls.caFile, "utf8");
    } catch (error) {
      throw new NcpClientError("tls", `cannot read CA file "${tls.caFile}" (${errnoText(error)})`);
    }
  }
  try {
    return await Bun.connect<undefined>({
      hostname: options.host,
      port: options.port,
      tls:
        tls === undefined
          ? undefined
          : { rejectUnauthorized: tls.insecure !== true, ca, serverName: tls.serverName ?? options.host },
      socket: {
        open: (socket) => {
          protocol.tcpOpened = true;
          if (tls === undefined) protocol.onOpen(socket);
        },
        handshake: (socket, success, authorizationError) => {
          if (!success || (authorizationError !== null && tls?.insecure !== true)) {
            const why = authorizationError?.message ?? "handshake failed";
            const plainHint = /WRONG_VERSION_NUMBER/.test(why)
              ? "; the server may be plain TCP (try --plain)"
              : "";
            protocol.fail(
              new NcpClientError(
                "tls",
                `TLS with ${endpoint} failed: ${why} (use --ca FILE for a private CA, or --insecure for a self-signed server${plainHint})`,
              ),
            );
            return;
          }
          protocol.onOpen(socket);
        },
        data: (_socket, data) => protocol.onData(data),
        drain: () => protocol.onDrain(),
        close: () => protocol.onClose(),
        error: (_socket, error) =>
          protocol.fail(new NcpClientError("closed", `connection to ${endpoint} failed: ${error.message}`)),
      },
    });
  } catch (error) {
    const code = errnoText(error);
    throw new NcpClientError(
      "unreachable",
      `cannot connect to ${endpoint} (${code}): is the server running and listening there?`,
    );
  }
}
