import type { Logger } from "../log/logger.ts";

/**
 * What the connection layer (src/server) gives a session for one connection. `send` never drops
 * data: bytes are queued, everything sent during one event goes out in one write, and partial
 * writes are kept and flushed on drain.
 */
export interface ConnectionContext {
  /** Peer as "ip:port" (IPv4-mapped IPv6 shown as plain IPv4). */
  readonly peer: string;
  /** True when the connection runs inside TLS. */
  readonly tls: boolean;
  /** Negotiated TLS protocol ("TLSv1.3", ...) once the handshake is done, else undefined. */
  tlsVersion(): string | undefined;
  /** Queue bytes for the peer. */
  send(bytes: Uint8Array): void;
  /** Bytes sent but not yet taken by the kernel: what a slow reader makes grow. */
  bufferedBytes(): number;
  /** Stop reading from the peer (TCP backpressure) until `resumeReading`. */
  pauseReading(): void;
  resumeReading(): void;
  /** Flush what is queued, then close the connection. */
  close(reason: string): void;
  /**
   * The §7.3 slow-consumer bounds, read at each check (so a reload applies): the connection is
   * closed without a word once its unwritten data exceeds them or nothing could be written for `stallMs`.
   */
  limitOutbound(limits: () => OutboundLimits): void;
  /** The process logger. */
  readonly log: Logger;
  /** Where protocol events are counted (/metrics); absent = not counted. */
  readonly events?: SessionEvents;
}

/** §7.3: outbound_max_bytes, outbound_max_frames and write_stall_timeout of one connection. */
export interface OutboundLimits {
  maxBytes: number;
  maxFrames: number;
  stallMs: number;
}

/** Protocol events the transport counts for /metrics: NCP-1 handshakes and error frames sent. */
export interface SessionEvents {
  handshakeCompleted(): void;
  /** An error frame ended the handshake; `reason` is its reason detail, else its code name. */
  handshakeFailed(reason: string): void;
  /** An error frame was sent (`name`: VERSION_MISMATCH, ...). */
  errorSent(code: number, name: string): void;
}

/** The protocol side of one connection: bytes in, and the connection's lifecycle events. */
export interface ConnectionHandler {
  /** Bytes from the peer, in order, as they arrive (any split). */
  onData(bytes: Uint8Array): void;
  /** Everything buffered was written: the peer reads again (NCP-1 §7.3 pull). */
  onDrain?(): void;
  /** The server is draining (graceful shutdown): say goodbye per the protocol, then close. */
  onShutdown(retryAfterSecs: number): void;
  /** The connection is gone (either side closed, timeout, error). */
  onClose(): void;
}

/** Makes the session of a newly accepted connection; a protocol with a server key names its fingerprint. */
export type SessionFactory = ((context: ConnectionContext) => ConnectionHandler) & {
  identityFingerprint?: string;
};
