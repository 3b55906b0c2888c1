import type { Id } from "../store/records.ts";
import { NCP_ERROR_CODES } from "../util/ncp-error-codes.ts";

/** The NCP-1 §9 codes the relay answers with (the session maps a RelayError 1:1 to its ProtocolError). */
export const RelayCode = {
  messageFormat: NCP_ERROR_CODES.messageFormat,
  sequence: NCP_ERROR_CODES.sequence,
  authenticationFailed: NCP_ERROR_CODES.authenticationFailed,
  deviceNotRegistered: NCP_ERROR_CODES.deviceNotRegistered,
  deviceRevoked: NCP_ERROR_CODES.deviceRevoked,
  sessionExpired: NCP_ERROR_CODES.sessionExpired,
  operationNotPermitted: NCP_ERROR_CODES.operationNotPermitted,
  destinationUnreachable: NCP_ERROR_CODES.destinationUnreachable,
  messageTooLarge: NCP_ERROR_CODES.messageTooLarge,
  internal: NCP_ERROR_CODES.internal,
  resourceExhausted: NCP_ERROR_CODES.resourceExhausted,
} as const;

export type RelayCodeValue = (typeof RelayCode)[keyof typeof RelayCode];

/** The error details of §6.1: a reason token, a §10 limit name, retry_after, and the offending frame. */
export interface RelayErrorDetails {
  reason?: string;
  limit?: string;
  retryAfterSecs?: number;
  /** The message_id of the frame the error answers (the `ref` detail). */
  ref?: Id;
}

/** A refusal by the domain: an NCP-1 error code, a message for humans, and the §6.1 details. */
export class RelayError extends Error {
  readonly code: RelayCodeValue;
  readonly reason: string | undefined;
  readonly limit: string | undefined;
  readonly retryAfterSecs: number;
  readonly ref: Id | undefined;

  constructor(code: RelayCodeValue, message: string, details: RelayErrorDetails = {}) {
    super(message);
    this.name = "RelayError";
    this.code = code;
    this.reason = details.reason;
    this.limit = details.limit;
    this.retryAfterSecs = details.retryAfterSecs ?? 0;
    this.ref = details.ref;
  }
}

const EXHAUSTED_REASONS: Record<string, string> = {
  queue: "queue_full",
  disk: "disk_full",
  auth_failures: "lockout",
};

/** 502 for a §10 token bucket (or the queue/disk) that refused: `limit` names it. */
export function exhausted(
  limit: string,
  retryAfterSecs: number,
  ref: Id | undefined,
  message: string,
): RelayError {
  return new RelayError(RelayCode.resourceExhausted, message, {
    reason: EXHAUSTED_REASONS[limit] ?? "rate_limit",
    limit,
    retryAfterSecs,
    ref,
  });
}
