import { buildErrorFrame } from "../protocol/error-frame.ts";
import { errorCodeName, type ProtocolError } from "../protocol/protocol-error.ts";
import type { ConnectionContext } from "./transport.ts";

/** The 0xFF inner frame of `error` (§6.1 details: ref, reason, limit, retry_after). */
export function errorFrameOf(error: ProtocolError, nowMs: number, version: number): Uint8Array {
  return buildErrorFrame(error.code, error.message, {
    ref: error.ref,
    reason: error.reason,
    limit: error.limit,
    retryAfterSecs: error.retryAfterSecs,
    nowMs,
    version,
  });
}

/** Counts an error frame sent (by code), and one sent before the keys as a failed handshake. */
export function countError(
  events: ConnectionContext["events"],
  error: ProtocolError,
  beforeKeys: boolean,
): void {
  const name = errorCodeName[error.code] ?? "UNKNOWN";
  events?.errorSent(error.code, name);
  if (beforeKeys) events?.handshakeFailed(error.reason ?? name);
}
