import type { Socket } from "bun";
import type { Logger } from "../log/logger.ts";
import type {
  ConnectionContext,
  ConnectionHandler,
  OutboundLimits,
  SessionFactory,
} from "../session/transport.ts";
import type { ServerStats } from "./server-stats.ts";

/** What Bun keeps on each socket: its Connection once admitted. */
export interface SocketData {
  connection?: Connection;
}

/** Unsent bytes above this close the connection (unless its session sets other limits): a peer that does not read cannot grow memory. */
export const MAX_UNSENT_BYTES = 8 * 1024 * 1024;

const NO_SESSION_LIMITS: OutboundLimits = {
  maxBytes: MAX_UNSENT_BYTES,
  maxFrames: Number.POSITIVE_INFINITY,
  stallMs: Number.POSITIVE_INFINITY,
};

/**
 * One accepted connection: the ConnectionContext given to its handler. Sends are queued and
 * written once per event (coalesced); a partial write keeps the rest and flushes it on drain.
 */
export class Connection implements ConnectionContext {
  handler?: ConnectionHandler;
  lastReceiveMs = Date.now();
  private queue: Uint8Array[] = [];
  private unsent?: Uint8Array;
  private inEvent = false;
  private flushScheduled = false;
  private closing = false;
  closed = false;
  private limits: () => OutboundLimits = () => NO_SESSION_LIMITS;
  /** Lengths of the frames not fully written yet (queued or unsent), oldest first; bytes of the first already out. */
  private frameLengths: number[] = [];
  private headWritten = 0;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: Socket<SocketData>,
    readonly peer: string,
    readonly tls: boolean,
    readonly log: Logger,
    private readonly stats: ServerStats,
  ) {}

  /** NCP-1 handshakes and errors, counted for /metrics. */
  get events() {
    return this.stats.sessionEvents;
  }

  tlsVersion(): string | undefined {
    if (!this.tls || this.handler === undefined) return undefined;
    return this.socket.getTLSVersion() || undefined;
  }

  /** True once the server started closing it (timeout, limit, shutdown) or it is gone. */
  get ending(): boolean {
    return this.closing || this.closed;
  }

  /** Hands the connection to the protocol: called once (plain: at accept; TLS: after the handshake). */
  establish(factory: SessionFactory): void {
    this.runEvent(() => {
      this.handler = factory(this);
    });
  }

  send(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    this.queue.push(bytes);
    this.frameLengths.push(bytes.length);
    if (!this.inEvent && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  bufferedBytes(): number {
    let queued = this.unsent?.length ?? 0;
    for (const bytes of this.queue) queued += bytes.length;
    return queued;
  }

  /** Frames not fully written yet. */
  bufferedFrames(): number {
    return this.frameLengths.length;
  }

  limitOutbound(limits: () => OutboundLimits): void {
    this.limits = limits;
  }

  pauseReading(): void {
    if (!this.closed) this.socket.pause();
  }

  resumeReading(): void {
    if (!this.closed) this.socket.resume();
  }

  close(reason: string): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.log.debug(`closing connection from ${this.peer}: ${reason}`);
    this.flush();
    if (this.unsent === undefined && !this.closed) this.socket.end();
  }

  /** Closes at once, dropping anything unsent (timeouts, limits, forced shutdown). */
  terminate(): void {
    if (this.closed) return;
    this.closing = true;
    this.clearStall();
    this.socket.terminate();
  }

  receive(bytes: Uint8Array): void {
    this.lastReceiveMs = Date.now();
    this.stats.bytesIn += bytes.length;
    this.runEvent(() => this.handler?.onData(bytes));
  }

  /** The server drains: ask the handler to say goodbye (or close now when it has none yet). */
  shutdown(retryAfterSecs: number): void {
    if (this.handler === undefined) this.close("server shutting down");
    else this.runEvent(() => this.handler?.onShutdown(retryAfterSecs));
  }

  drain(): void {
    const pending = this.unsent;
    if (pending === undefined) return;
    this.unsent = undefined;
    this.write(pending);
    if (this.unsent !== undefined) return;
    if (this.closing) {
      if (!this.closed) this.socket.end();
      return;
    }
    this.runEvent(() => this.handler?.onDrain?.());
  }

  onClosed(): void {
    this.closed = true;
    this.queue = [];
    this.unsent = undefined;
    this.frameLengths = [];
    this.clearStall();
    this.runEvent(() => this.handler?.onClose());
  }

  private runEvent(body: () => void): void {
    this.inEvent = true;
    try {
      body();
    } catch (error) {
      this.log.error(`connection handler for ${this.peer} failed: ${String(error)}`);
      this.terminate();
    } finally {
      this.inEvent = false;
      this.flush();
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0 || this.closed) return;
    const bytes = this.queue.length === 1 ? (this.queue[0] as Uint8Array) : Buffer.concat(this.queue);
    this.queue = [];
    if (this.unsent !== undefined) {
      this.unsent = Buffer.concat([this.unsent, bytes]);
      this.checkUnsent();
      return;
    }
    this.write(bytes);
  }

  private write(bytes: Uint8Array): void {
    const written = Math.max(0, this.socket.write(bytes));
    this.stats.bytesOut += written;
    this.written(written);
    if (written < bytes.length) {
      this.unsent = bytes.slice(written);
      this.checkUnsent();
    } else {
      this.clearStall();
    }
  }

  /** `count` bytes went out: frames fully written leave the count; the stall clock restarts. */
  private written(count: number): void {
    if (count === 0) return;
    let left = count;
    while (left > 0 && this.frameLengths.length > 0) {
      const rest = (this.frameLengths[0] as number) - this.headWritten;
      if (left < rest) {
        this.headWritten += left;
        return;
      }
      left -= rest;
      this.frameLengths.shift();
      this.headWritten = 0;
    }
    this.clearStall();
  }

  /** §7.3 slow consumer: too many bytes or frames unsent closes at once; otherwise the stall clock runs. */
  private checkUnsent(): void {
    const limits = this.limits();
    const bytes = this.unsent?.length ?? 0;
    const frames = this.frameLengths.length;
    if (bytes > limits.maxBytes || frames > limits.maxFrames) {
      const what =
        bytes > limits.maxBytes
          ? `more than ${limits.maxBytes} bytes`
          : `more than ${limits.maxFrames} frames`;
      this.closeSlow(`${what} unsent (the peer does not read)`);
      return;
    }
    if (this.stallTimer === undefined && Number.isFinite(limits.stallMs)) {
      this.stallTimer = setTimeout(
        () => this.closeSlow(`nothing could be written for ${limits.stallMs} ms`),
        limits.stallMs,
      );
      this.stallTimer.unref?.();
    }
  }

  private closeSlow(why: string): void {
    this.stallTimer = undefined;
    if (this.closed) return;
    this.log.warn(`closing connection from ${this.peer}: ${why}`);
    this.terminate();
  }

  private clearStall(): void {
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}
