import { FrameReader } from "../protocol/frame-reader.ts";
import { HEADER_SIZE } from "../protocol/header.ts";
import { ErrorCode, ProtocolError } from "../protocol/protocol-error.ts";
import type { ConnectionContext } from "./transport.ts";

/** §7.3 inbound: reading stops while more than this many bytes wait (unread frames plus unsent output). */
export const INBOUND_MAX_BYTES = 10 * 1024 * 1024;

/**
 * The frames a connection receives, one at a time: whole frames from the byte stream, and reading
 * of the socket paused while too much waits (§7.3: `inbound_max_pending` replies or 10 MiB), resumed
 * when the reader runs dry again.
 */
export class InboundFrames {
  private readonly reader = new FrameReader();
  private paused = false;

  constructor(
    private readonly connection: ConnectionContext,
    /** How many replies wait, and the inbound_max_pending bound. */
    private readonly pending: () => { waiting: number; max: number },
  ) {}

  push(bytes: Uint8Array): void {
    this.reader.push(bytes);
  }

  discard(): void {
    this.reader.discard();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The next whole frame, a length error (101/402), or undefined: wait (paused) or need more bytes. */
  next(limit: number): { frame: Uint8Array } | { error: ProtocolError } | undefined {
    if (this.mustWait()) {
      this.setPaused(true);
      return undefined;
    }
    const outcome = this.reader.next(limit);
    if (outcome.kind === "need") {
      this.setPaused(false);
      return undefined;
    }
    if (outcome.kind === "frame") return { frame: outcome.frame };
    const tooLarge = outcome.code === ErrorCode.messageTooLarge;
    const bound = tooLarge ? outcome.limit : HEADER_SIZE;
    const what = tooLarge ? "above the limit of" : "below the minimum of";
    return {
      error: new ProtocolError(outcome.code, `frame length ${outcome.length} is ${what} ${bound} bytes`),
    };
  }

  private mustWait(): boolean {
    const { waiting, max } = this.pending();
    return waiting >= max || this.reader.buffered + this.connection.bufferedBytes() > INBOUND_MAX_BYTES;
  }

  private setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (paused) this.connection.pauseReading();
    else this.connection.resumeReading();
  }
}
