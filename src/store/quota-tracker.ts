import type { QuotaEvent, StoreOptions } from "./ports.ts";

/** The share of the quota at which a `warning` event fires. */
export const QUOTA_WARNING_RATIO = 0.9;

/**
 * Tracks used bytes against an optional limit and reports each crossing of 90 % and of the limit
 * once (and the way back down), so the operator gets one event per crossing, not one per write.
 */
export class QuotaTracker {
  limitBytes: number | undefined;
  private level: QuotaEvent["level"] = "ok";
  private readonly onEvent: ((event: QuotaEvent) => void) | undefined;

  constructor(options: StoreOptions) {
    this.limitBytes = options.quotaBytes;
    this.onEvent = options.onQuotaEvent;
  }

  /** A new limit (a reload): the next `update` reports a crossing it causes. */
  setLimit(limitBytes: number | undefined): void {
    this.limitBytes = limitBytes;
  }

  /** Whether new messages must be refused at this usage. */
  isFull(usedBytes: number): boolean {
    return this.limitBytes !== undefined && usedBytes >= this.limitBytes;
  }

  /** Records the current usage; fires an event if the level changed. */
  update(usedBytes: number): void {
    const limitBytes = this.limitBytes;
    if (limitBytes === undefined) return;
    const level = levelOf(usedBytes, limitBytes);
    if (level === this.level) return;
    this.level = level;
    this.onEvent?.({ level, usedBytes, limitBytes });
  }
}

function levelOf(usedBytes: number, limitBytes: number): QuotaEvent["level"] {
  if (usedBytes >= limitBytes) return "full";
  return usedBytes >= limitBytes * QUOTA_WARNING_RATIO ? "warning" : "ok";
}
