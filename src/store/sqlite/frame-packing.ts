/** A stored frame is kept compressed only when zstd saves at least this share of its bytes. */
export const MIN_SAVING = 0.1;

/**
 * The bytes to store for `frame`: zstd-compressed (flag 1) when `compress` is on and that saves at
 * least 10 %, else the frame unchanged (flag 0). E2E ciphertext does not compress, so most frames
 * are stored as they are; the attempt is cheap next to the fsync that follows.
 */
export function packFrame(frame: Uint8Array, compress: boolean): { bytes: Uint8Array; zstd: 0 | 1 } {
  if (!compress || frame.byteLength < 64) return { bytes: frame, zstd: 0 };
  const packed = Bun.zstdCompressSync(frame, { level: 3 });
  return packed.byteLength <= frame.byteLength * (1 - MIN_SAVING)
    ? { bytes: packed, zstd: 1 }
    : { bytes: frame, zstd: 0 };
}

/** The frame as it was given to the store. */
export function unpackFrame(bytes: Uint8Array, zstd: number): Uint8Array {
  return zstd === 1 ? new Uint8Array(Bun.zstdDecompressSync(bytes)) : bytes;
}
