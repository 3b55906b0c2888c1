/** A cumulative histogram over fixed upper bounds (Prometheus-style `le` buckets, +Inf implied). */
export class Histogram {
  /** Observations at or below each bound, not cumulative (rendering adds them up). */
  private readonly counts: number[];
  private total = 0;
  private sumValue = 0;

  constructor(readonly bounds: readonly number[]) {
    for (let index = 1; index < bounds.length; index++) {
      if (!((bounds[index] as number) > (bounds[index - 1] as number))) {
        throw new Error("histogram bounds must be increasing");
      }
    }
    this.counts = bounds.map(() => 0);
  }

  /** Records one value (in the unit of the bounds). */
  observe(value: number): void {
    this.total += 1;
    this.sumValue += value;
    const index = this.bounds.findIndex((bound) => value <= bound);
    if (index >= 0) this.counts[index] = (this.counts[index] as number) + 1;
  }

  /** [bound, observations at or below it] for each bound, then [Infinity, count]. */
  cumulative(): [number, number][] {
    let running = 0;
    const rows: [number, number][] = this.bounds.map((bound, index) => {
      running += this.counts[index] as number;
      return [bound, running];
    });
    rows.push([Number.POSITIVE_INFINITY, this.total]);
    return rows;
  }

  get count(): number {
    return this.total;
  }

  get sum(): number {
    return this.sumValue;
  }
}
