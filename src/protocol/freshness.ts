import { ErrorCode, ProtocolError } from "./protocol-error.ts";

/** Freshness window of client-signed frames (§6.1). */
export const FRESHNESS_WINDOW_MS = 300_000;

/** 103 reason=clock_skew when |now − timestamp| exceeds the window (`freshness_window` 300 s by default, §6.1). */
export function checkFreshness(timestampMs: bigint, nowMs: number, windowMs = FRESHNESS_WINDOW_MS): void {
  const skewMs = Math.abs(nowMs - Number(timestampMs));
  if (skewMs > windowMs) {
    throw new ProtocolError(
      ErrorCode.sequence,
      `timestamp is ${Math.round(skewMs / 1000)} s away from server time`,
      "clock_skew",
    );
  }
}
