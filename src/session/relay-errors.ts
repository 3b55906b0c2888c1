import { type ErrorCode, ProtocolError } from "../protocol/protocol-error.ts";
import { RelayError } from "../relay/relay-error.ts";

/** A RelayError as the ProtocolError the session sends (1:1: code, message and details). */
export function protocolErrorOf(error: unknown): unknown {
  if (!(error instanceof RelayError)) return error;
  const out = new ProtocolError(
    error.code as (typeof ErrorCode)[keyof typeof ErrorCode],
    error.message,
    error.reason,
  );
  if (error.limit !== undefined) out.limit = error.limit;
  if (error.retryAfterSecs > 0) out.retryAfterSecs = error.retryAfterSecs;
  if (error.ref !== undefined) out.about(error.ref);
  return out;
}

/** §9 after AUTHENTICATED: these codes close the connection; every other one is answered and the session goes on. */
const FATAL_AFTER_AUTH = new Set<number>([100, 101, 202, 203, 501, 503]);

/** Whether `error` ends the session in AUTHENTICATED (before it, every error is fatal). */
export function isFatalAfterAuth(error: ProtocolError): boolean {
  return FATAL_AFTER_AUTH.has(error.code);
}
