import type { LogFields } from "./logger.ts";

/** Writes one line, e.g. `(message, fields) => logger.warn(message, fields)`. */
export type LogLine = (message: string, fields?: LogFields) => void;

/** A line that may repeat often (a flood of refused connections), logged at most once per interval. */
export interface RateLimitedLog {
  /** Logs now if the interval is free, else counts it for the summary at the interval's end. */
  log(message: string, fields?: LogFields): void;
  /** Writes the pending summary (if any) now and stops the timer. */
  flush(): void;
}

/**
 * The first occurrence is written at once; the ones that follow within `intervalMs` are counted and
 * summarised in one line when the interval ends (`summary(count, lastMessage)`), so a flood costs
 * one line per interval and its size is still known.
 */
export function rateLimitedLog(
  write: LogLine,
  intervalMs: number,
  summary: (count: number, last: string) => string,
): RateLimitedLog {
  let timer: Timer | undefined;
  let suppressed = 0;
  let last = "";
  const endInterval = () => {
    timer = undefined;
    if (suppressed === 0) return;
    write(summary(suppressed, last), { suppressed });
    suppressed = 0;
    timer = setTimeout(endInterval, intervalMs);
    timer.unref?.();
  };
  return {
    log(message, fields) {
      if (timer === undefined) {
        write(message, fields);
        timer = setTimeout(endInterval, intervalMs);
        timer.unref?.();
        return;
      }
      suppressed++;
      last = message;
    },
    flush() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (suppressed > 0) write(summary(suppressed, last), { suppressed });
      suppressed = 0;
    },
  };
}
