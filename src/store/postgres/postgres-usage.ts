import type { SQL } from "bun";
import type { QuotaTracker } from "../quota-tracker.ts";

/** How often usage is sampled while it is below 80 % of the quota. */
export const USAGE_SAMPLE_MS = 1000;

/** Above this share of the quota, usage is sampled after every commit (none is skipped while one runs). */
export const CLOSE_SAMPLE_RATIO = 0.8;

/**
 * max_disk_usage_mb on Postgres: the bytes of the store's own tables in its schema, with their
 * indexes and TOAST (pg_total_relation_size), sampled after commits: at most once a second, after
 * every commit once above 80 % of the quota. WAL, other databases and the server's own files are
 * not counted; deleted rows free space for reuse (VACUUM) without shrinking the total.
 */
export class PostgresUsage {
  usedBytes = 0;
  private sampledAtMs = 0;
  /** Bytes written since the last sample (an estimate: frames plus a record's overhead). */
  private sinceSampleBytes = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sql: SQL,
    readonly quota: QuotaTracker,
  ) {}

  /** Samples now (at open, and in tests); reports a quota crossing if there is one. */
  async sample(): Promise<number> {
    const [row] = await this.sql`SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind = 'r'`;
    this.usedBytes = Number(row?.bytes ?? 0);
    this.sampledAtMs = Date.now();
    this.sinceSampleBytes = 0;
    this.quota.update(this.usedBytes);
    return this.usedBytes;
  }

  /** After a change of about `writtenBytes`: samples in the background if one is due and none is running. */
  afterChange(writtenBytes: number): void {
    this.sinceSampleBytes += writtenBytes;
    const limit = this.quota.limitBytes;
    if (limit === undefined || this.running !== undefined) return;
    const close = this.usedBytes + this.sinceSampleBytes >= limit * CLOSE_SAMPLE_RATIO;
    if (!close && Date.now() - this.sampledAtMs < USAGE_SAMPLE_MS) return;
    this.running = this.sample()
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Resolves once a background sample in progress is done (close waits for it). */
  async settled(): Promise<void> {
    await this.running;
  }
}
