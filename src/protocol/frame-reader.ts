import { HEADER_SIZE } from "./header.ts";
import { ErrorCode } from "./protocol-error.ts";

/** What the reader yields: a whole frame, "need more bytes", or a fatal size error (101 or 402). */
export type ReadOutcome =
  | { kind: "frame"; frame: Uint8Array }
  | { kind: "need" }
  | { kind: "error"; code: 101 | 402; length: number; limit: number };

/**
 * Incremental frame reader (§2 "Stream reading"): takes bytes as they arrive, in any split, keeps
 * them as a chunk list (never re-concatenated per read), and judges the length field as soon as 8
 * bytes are there, before buffering the frame. After an error it drops everything it gets.
 */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private size = 0;
  private failed = false;

  /** Bytes held and not yet returned as frames. */
  get buffered(): number {
    return this.size;
  }

  /** Appends received bytes (kept by reference; the caller must not reuse the buffer). */
  push(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** Stops accepting bytes and releases the buffer (after a decision to close). */
  discard(): void {
    this.failed = true;
    this.chunks = [];
    this.head = 0;
    this.size = 0;
  }

  /** The next complete frame, judged against `limit` (the largest frame allowed in the current state). */
  next(limit: number): ReadOutcome {
    if (this.failed || this.size < 8) return { kind: "need" };
    const length = this.peekLength();
    if (length < HEADER_SIZE || length > limit) {
      this.discard();
      const code = length < HEADER_SIZE ? ErrorCode.messageFormat : ErrorCode.messageTooLarge;
      return { kind: "error", code, length, limit };
    }
    if (this.size < length) return { kind: "need" };
    return { kind: "frame", frame: this.take(length) };
  }

  private byteAt(index: number): number {
    let position = this.head + index;
    for (const chunk of this.chunks) {
      if (position < chunk.length) return chunk[position] as number;
      position -= chunk.length;
    }
    throw new RangeError("frame reader index out of range");
  }

  private peekLength(): number {
    return ((this.byteAt(4) << 24) | (this.byteAt(5) << 16) | (this.byteAt(6) << 8) | this.byteAt(7)) >>> 0;
  }

  private take(length: number): Uint8Array {
    const first = this.chunks[0] as Uint8Array;
    if (first.length - this.head >= length) {
      const frame = first.subarray(this.head, this.head + length);
      this.advance(length);
      return frame;
    }
    const frame = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.chunks[0] as Uint8Array;
      const count = Math.min(chunk.length - this.head, length - filled);
      frame.set(chunk.subarray(this.head, this.head + count), filled);
      filled += count;
      this.advance(count);
    }
    return frame;
  }

  private advance(count: number): void {
    this.head += count;
    this.size -= count;
    while (this.chunks.length > 0 && this.head >= (this.chunks[0] as Uint8Array).length) {
      this.head -= (this.chunks[0] as Uint8Array).length;
      this.chunks.shift();
    }
  }
}
