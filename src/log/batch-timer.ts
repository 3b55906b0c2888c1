/** Batching delay: lines logged within this window go out in one write. */
export const BATCH_DELAY_MS = 10;

/** Buffered bytes that trigger a write at once instead of waiting for the timer. */
export const BATCH_HIGH_WATER_BYTES = 64 * 1024;

/** A one-shot, unref'd timer that calls `run` once after the batching delay, however often armed. */
export class BatchTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly run: () => void) {}

  /** Schedules `run` unless it is already scheduled. */
  arm(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, BATCH_DELAY_MS);
    this.timer.unref?.();
  }

  /** Cancels a scheduled run. */
  disarm(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
