import { errorCodeName } from "../protocol/protocol-error.ts";

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
  ) {
    super(message);
    this.name = "NcpClientError";
  }

  /** "101 MESSAGE_FORMAT_ERROR" or undefined. */
  get codeName(): string | undefined {
    return this.code === undefined ? undefined : `${this.code} ${errorCodeName[this.code] ?? "UNKNOWN"}`;
  }
}
