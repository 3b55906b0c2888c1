import { detail, type ErrorBody } from "../protocol/error-frame.ts";
import { errorCodeName, ProtocolError } from "../protocol/protocol-error.ts";

/** Why a client operation failed. */
export type ClientErrorKind =
  | "unreachable" // TCP/TLS connection could not be made
  | "tls" // TLS handshake or certificate failure
  | "identity" // server identity does not match the pin or the remembered key
  | "protocol" // the server broke NCP-1 (bad frame, signature, downgrade)
  | "server" // the server sent an Error frame
  | "timeout"
  | "closed";

/** A client failure, carrying the NCP-1 error code when there is one (sent by the server or detected locally). */
export class NcpClientError extends Error {
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
    readonly code?: number,
    readonly retryAfterSecs = 0,
    /** The Error frame's details: `reason`, `ref` (hex message_id) and `limit` (§6.1). */
    readonly details: { reason?: string; ref?: string; limit?: string } = {},
  ) {
    super(message);
    this.name = "NcpClientError";
  }

  /** "101 MESSAGE_FORMAT_ERROR" or undefined. */
  get codeName(): string | undefined {
    return this.code === undefined ? undefined : `${this.code} ${errorCodeName[this.code] ?? "UNKNOWN"}`;
  }
}

/** The client error for an Error frame the server sent: its code, retry_after and details. */
export function serverError(error: ErrorBody): NcpClientError {
  const reason = detail(error, "reason");
  const text = `server error ${error.code}: ${error.message}${reason ? ` (reason=${reason})` : ""}`;
  return new NcpClientError("server", text, error.code, error.retryAfterSecs, {
    reason,
    ref: detail(error, "ref"),
    limit: detail(error, "limit"),
  });
}

/** Any failure as a client error: a ProtocolError keeps its code; anything else is "protocol". */
export function asClientError(error: unknown): NcpClientError {
  if (error instanceof NcpClientError) return error;
  if (error instanceof ProtocolError) {
    const kind = error.reason === "identity" ? "identity" : "protocol";
    return new NcpClientError(kind, error.message, error.code);
  }
  return new NcpClientError("protocol", `unexpected failure: ${String(error)}`);
}

/** Codes that end the connection in any state (§9). */
const ALWAYS_FATAL = new Set([100, 101, 202, 203, 501, 503]);
/** Codes fatal in some uses after authentication (§9 "see use"): the server's close tells. */
const SOMETIMES_FATAL = new Set([102, 201, 402]);

/** Whether an Error frame ends the connection (§9): every error before AUTHENTICATED does. */
export function errorFatality(
  code: number | undefined,
  authenticated: boolean,
): "fatal" | "maybe" | "non-fatal" {
  if (!authenticated || ALWAYS_FATAL.has(code ?? 0)) return "fatal";
  return SOMETIMES_FATAL.has(code ?? 0) ? "maybe" : "non-fatal";
}
