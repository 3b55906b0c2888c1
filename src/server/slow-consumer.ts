/** When a peer that does not read is closed (NCP-1 §7.3 slow consumer): [queue] outbound_max_* (live). */
export interface SlowConsumerLimits {
  /** Unsent bytes above this close the connection (`queue.outbound_max_bytes`). */
  outboundMaxBytes: number;
  /** Unsent frames above this close it (`queue.outbound_max_frames`). */
  outboundMaxFrames: number;
  /** How long a closing connection may take to send what it still holds (§7.1 CLOSING: 2 s). */
  closingFlushMs: number;
}

/** §7.1: a connection in CLOSING gets 2 s to flush (a protocol figure, not a named setting). */
export const CLOSING_FLUSH_MS = 2_000;

/** NCP-1's defaults: 8 MiB, 1 000 frames, 2 s. */
export const DEFAULT_SLOW_CONSUMER: SlowConsumerLimits = {
  outboundMaxBytes: 8 * 1024 * 1024,
  outboundMaxFrames: 1000,
  closingFlushMs: CLOSING_FLUSH_MS,
};

/** The sizes of the frames not (wholly) written when `written` bytes of frames of `sizes` were. */
export function framesLeft(sizes: readonly number[], written: number): number[] {
  let left = written;
  let index = 0;
  while (index < sizes.length && left >= (sizes[index] as number)) {
    left -= sizes[index] as number;
    index++;
  }
  const rest = sizes.slice(index);
  if (rest.length > 0 && left > 0) rest[0] = (rest[0] as number) - left;
  return rest;
}
