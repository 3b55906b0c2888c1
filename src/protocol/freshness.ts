import type { FrameHeader } from "./header.ts";
import { ErrorCode, ProtocolError } from "./protocol-error.ts";

/** Freshness window of client-signed frames (§6.1), and the 0x03 clock-skew bound (§6.3). */
export const FRESHNESS_WINDOW_MS = 300_000;
export const AUTH_MAX_SKEW_MS = 5_000;

/** Throws 103 reason=clock_skew when the frame's timestamp is more than `windowMs` from now. */
export function checkClock(header: FrameHeader, nowMs: number, windowMs: number): void {
  const skew = Math.abs(nowMs - Number(header.timestampMs));
  if (skew > windowMs) {
    throw new ProtocolError(
      ErrorCode.sequence,
      `timestamp is ${Math.round(skew / 1000)} s away from server time`,
      "clock_skew",
    );
  }
}
