import { NorcError } from "../errors.ts";

/** Why a store operation failed, for callers that react differently (500 vs refuse to start). */
export type StoreErrorCode =
  | "closed"
  | "invalid_write"
  | "corrupt"
  | "schema_too_new"
  | "schema_too_old"
  | "io"
  | "locked";

/** A store failure: the operation stored nothing. Open failures say what to do in the message. */
export class StoreError extends NorcError {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = "StoreError";
    this.code = code;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
