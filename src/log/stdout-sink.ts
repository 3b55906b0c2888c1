import { BATCH_HIGH_WATER_BYTES, BatchTimer } from "./batch-timer.ts";
import type { LogSink } from "./log-sink.ts";
import { errorText } from "./sink-error.ts";
import { reportLogFailure, writeFully } from "./write-fully.ts";

/** Queued bytes above which a full pipe makes logging wait for the reader rather than grow memory. */
const BACKPRESSURE_BYTES = 4 * 1024 * 1024;

/** Lines to stdout (fd 1) in batches; a full non-blocking pipe keeps the rest for the next batch. */
export class StdoutSink implements LogSink {
  private pending: string[] = [];
  private pendingChars = 0;
  private leftover: Uint8Array | undefined;
  private readonly timer = new BatchTimer(() => this.drain(false));

  constructor(private readonly fd = 1) {}

  write(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars + (this.leftover?.length ?? 0) < BATCH_HIGH_WATER_BYTES) {
      this.timer.arm();
      return;
    }
    this.drain(false);
    if ((this.leftover?.length ?? 0) > BACKPRESSURE_BYTES) this.drain(true);
  }

  flush(): void {
    this.drain(true);
  }

  reopen(): undefined {
    this.flush();
  }

  close(): void {
    this.flush();
  }

  /** Writes the leftover and the queued lines; without `blocking`, stops at a full pipe. */
  private drain(blocking: boolean): void {
    this.timer.disarm();
    const fresh = Buffer.from(this.pending.join(""));
    this.pending = [];
    this.pendingChars = 0;
    const data = this.leftover ? Buffer.concat([this.leftover, fresh]) : fresh;
    this.leftover = undefined;
    if (data.length === 0) return;
    try {
      const written = writeFully(this.fd, data, blocking);
      if (written < data.length) {
        this.leftover = data.subarray(written);
        this.timer.arm();
      }
    } catch (error) {
      reportLogFailure(`cannot write log lines to stdout (${errorText(error)}): lines dropped`);
    }
  }
}
