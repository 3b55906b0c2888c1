/** A stored frame is kept compressed only when zstd saves at least this share of its bytes. */
export const MIN_SAVING = 0.1;

/** Frames zstd could not shrink in a row after which it is tried on one frame in RETRY_EVERY only. */
const MISSES_BEFORE_BACKOFF = 16;
const RETRY_EVERY = 64;

/**
 * Whether zstd is worth trying on the next frame. E2E ciphertext never compresses, and trying cost
 * more per message than the rest of the store's work: after a run of misses only a sample is tried,
 * and the first frame that shrinks brings back trying every frame.
 */
export class PackingProbe {
  private misses = 0;
  private skipped = 0;

  worthTrying(): boolean {
    if (this.misses < MISSES_BEFORE_BACKOFF) return true;
    this.skipped = (this.skipped + 1) % RETRY_EVERY;
    return this.skipped === 0;
  }

  /** The outcome of one attempt. */
  tried(saved: boolean): void {
    this.misses = saved ? 0 : this.misses + 1;
  }
}

/**
 * The bytes to store for `frame`: zstd-compressed (flag 1) when `compress` is on and that saves at
 * least 10 %, else the frame unchanged (flag 0). `probe` hears each attempt's outcome.
 */
export function packFrame(
  frame: Uint8Array,
  compress: boolean,
  probe?: PackingProbe,
): { bytes: Uint8Array; zstd: 0 | 1 } {
  if (!compress || frame.byteLength < 64) return { bytes: frame, zstd: 0 };
  const packed = Bun.zstdCompressSync(frame, { level: 3 });
  const saved = packed.byteLength <= frame.byteLength * (1 - MIN_SAVING);
  probe?.tried(saved);
  return saved ? { bytes: packed, zstd: 1 } : { bytes: frame, zstd: 0 };
}

/** The frame as it was given to the store. */
export function unpackFrame(bytes: Uint8Array, zstd: number): Uint8Array {
  return zstd === 1 ? new Uint8Array(Bun.zstdDecompressSync(bytes)) : bytes;
}
