import { NCP_ERROR_CODES } from "../util/ncp-error-codes.ts";

/** NCP-1 error codes (§9). */
export const ErrorCode = NCP_ERROR_CODES;

/** Human names of the codes, for messages and logs. */
export const errorCodeName: Record<number, string> = {
  100: "VERSION_MISMATCH",
  101: "MESSAGE_FORMAT_ERROR",
  102: "UNSUPPORTED_FEATURE",
  103: "SEQUENCE_ERROR",
  200: "AUTHENTICATION_FAILED",
  201: "DEVICE_NOT_REGISTERED",
  202: "DEVICE_REVOKED",
  203: "SESSION_EXPIRED",
  303: "OPERATION_NOT_PERMITTED",
  400: "DESTINATION_UNREACHABLE",
  402: "MESSAGE_TOO_LARGE",
  500: "INTERNAL_ERROR",
  501: "SERVICE_UNAVAILABLE",
  502: "RESOURCE_EXHAUSTED",
  503: "MAINTENANCE_MODE",
};

/** A protocol violation found while decoding or processing: carries the NCP-1 error code to answer with. */
export class ProtocolError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  /** The offending frame's message_id, sent as the `ref` detail. */
  ref: Uint8Array | undefined;
  retryAfterSecs = 0;
  /** The §10 limit name, for 502. */
  limit: string | undefined;

  constructor(code: number, message: string, reason?: string) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
    this.reason = reason;
  }

  /** Sets the `ref` detail (chainable). */
  about(messageId: Uint8Array): this {
    this.ref = messageId;
    return this;
  }
}

/** Shorthand for the most common failure: a malformed frame or body (101). */
export function formatError(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.messageFormat, message);
}

/** 502: a §10 rate limit (`limit`) refused the request; the peer may retry after `retryAfterSecs`. */
export function rateLimitError(
  message: string,
  reason: string,
  limit: string,
  retryAfterSecs: number,
): ProtocolError {
  const error = new ProtocolError(ErrorCode.resourceExhausted, message, reason);
  error.retryAfterSecs = retryAfterSecs;
  error.limit = limit;
  return error;
}
