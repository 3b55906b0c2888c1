/** A step of the wall clock against the monotonic one, and the total now held back. */
export interface ClockStep {
  stepMs: number;
  heldBackMs: number;
}

/**
 * The wall clock for queue expiry (pushes, the TTL sweeper) minus every forward step of it: when
 * wall time advances more than the monotonic clock between two readings, by over `toleranceMs`,
 * the difference is held back (a later backward step gives it back, down to none), so a clock
 * stepped forward does not expire queued entries early (§8.3 TTL). Each step goes to `onStep`.
 */
export class SteadyClock {
  private last?: { wallMs: number; monoMs: number };
  private heldBackMs = 0;

  constructor(
    private readonly wall: () => number = Date.now,
    private readonly mono: () => number = () => performance.now(),
    private readonly onStep: (step: ClockStep) => void = () => {},
    private readonly toleranceMs = 30_000,
  ) {}

  now(): number {
    const wallMs = this.wall();
    const monoMs = this.mono();
    if (this.last !== undefined) {
      const stepMs = wallMs - this.last.wallMs - (monoMs - this.last.monoMs);
      if (Math.abs(stepMs) > this.toleranceMs) {
        this.heldBackMs = Math.max(0, this.heldBackMs + stepMs);
        this.onStep({ stepMs, heldBackMs: this.heldBackMs });
      }
    }
    this.last = { wallMs, monoMs };
    return wallMs - this.heldBackMs;
  }
}
