import type { Socket } from "bun";
import type { Logger } from "../log/logger.ts";
import type { ConnectionContext, ConnectionHandler, SessionFactory } from "../session/transport.ts";
import type { ServerStats } from "./server-stats.ts";
import { DEFAULT_SLOW_CONSUMER, framesLeft, type SlowConsumerLimits } from "./slow-consumer.ts";

/** What Bun keeps on each socket: its Connection once admitted. */
export interface SocketData {
  connection?: Connection;
}

/**
 * One accepted connection: the ConnectionContext given to its handler. Sends are queued and
 * written once per event (coalesced); a partial write keeps the rest and flushes it on drain.
 */
export class Connection implements ConnectionContext {
  handler?: ConnectionHandler;
  /** On the monotonic clock (performance.now()), as the stall clock: a step of the wall clock moves neither. */
  lastReceiveMs = performance.now();
  private queue: Uint8Array[] = [];
  private unsent?: Uint8Array;
  /** The sizes of the frames in `unsent`, the first one perhaps only its rest. */
  private unsentFrames: number[] = [];
  /** Since when unsent bytes have waited without any being written. */
  private stalledSinceMs?: number;
  private inEvent = false;
  private flushScheduled = false;
  private closing = false;
  closed = false;

  constructor(
    private readonly socket: Socket<SocketData>,
    readonly peer: string,
    readonly tls: boolean,
    readonly log: Logger,
    private readonly stats: ServerStats,
    private readonly limits: () => SlowConsumerLimits = () => DEFAULT_SLOW_CONSUMER,
  ) {}

  /** NCP-1 handshakes and errors, counted for /metrics. */
  get events() {
    return this.stats.sessionEvents;
  }

  tlsVersion(): string | undefined {
    if (!this.tls || this.handler === undefined) return undefined;
    return this.socket.getTLSVersion() || undefined;
  }

  /** How long unsent bytes have waited without any written (0 when nothing waits): `write_stall_timeout`; `nowMs` from performance.now(). */
  stalledForMs(nowMs: number): number {
    return this.stalledSinceMs === undefined ? 0 : nowMs - this.stalledSinceMs;
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

  bufferedFrames(): number {
    return this.queue.length + this.unsentFrames.length;
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
    else if (!this.closed) {
      // §7.1 CLOSING: the last frames get a bounded time to leave, then the connection is cut
      setTimeout(() => this.terminate(), this.limits().closingFlushMs).unref();
    }
  }

  /** Closes at once, dropping anything unsent (timeouts, limits, forced shutdown). */
  terminate(): void {
    if (this.closed) return;
    this.closing = true;
    this.socket.terminate();
  }

  receive(bytes: Uint8Array): void {
    this.lastReceiveMs = performance.now();
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
    this.write(pending, this.unsentFrames);
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
    const sizes = this.queue.map((frame) => frame.length);
    this.queue = [];
    if (this.unsent !== undefined) {
      this.unsent = Buffer.concat([this.unsent, bytes]);
      this.unsentFrames.push(...sizes);
      this.checkUnsent();
      return;
    }
    this.write(bytes, sizes);
  }

  /** Writes what the kernel takes; the rest waits for drain, its frames counted, the stall clock (re)started. */
  private write(bytes: Uint8Array, sizes: number[]): void {
    const written = Math.max(0, this.socket.write(bytes));
    this.stats.bytesOut += written;
    if (written >= bytes.length) {
      this.unsentFrames = [];
      this.stalledSinceMs = undefined;
      return;
    }
    this.unsent = bytes.slice(written);
    this.unsentFrames = framesLeft(sizes, written);
    if (written > 0 || this.stalledSinceMs === undefined) this.stalledSinceMs = performance.now();
    this.checkUnsent();
  }

  private checkUnsent(): void {
    const { outboundMaxBytes, outboundMaxFrames } = this.limits();
    const bytes = this.unsent?.length ?? 0;
    const frames = this.unsentFrames.length;
    if (bytes <= outboundMaxBytes && frames <= outboundMaxFrames) return;
    this.log.warn(
      `closing connection from ${this.peer}: ${bytes} bytes unsent in ${frames} frames, over queue.outbound_max_bytes (${outboundMaxBytes}) or queue.outbound_max_frames (${outboundMaxFrames}): the peer does not read`,
    );
    this.stats.rejected.slow_consumer++;
    this.terminate();
  }
}
