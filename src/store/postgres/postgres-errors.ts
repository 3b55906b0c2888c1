import { errorMessage } from "../../errors.ts";
import { StoreError } from "../store-error.ts";

// How Bun.SQL failures become StoreErrors: never with the password, always naming host:port.

/** host:port/database of a postgres:// URL, for messages (the password never appears). */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default database)";
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}/${database}`;
  } catch {
    return "(an unparsable database_url)";
  }
}

/** The SQLSTATE of a server error (undefined for client-side and connection errors). */
export function sqlStateOf(error: unknown): string | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === "string" ? errno : undefined;
}

/** Whether the whole transaction may simply run again (deadlock, serialization failure). */
export function isRetryable(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === "40P01" || state === "40001";
}

/** Whether `error` is a unique violation of the seen table's key (a concurrent markSeen won). */
export function isSeenConflict(error: unknown): boolean {
  return sqlStateOf(error) === "23505" && (error as { table?: unknown }).table === "seen";
}

/**
 * A Bun.SQL failure as a StoreError: a constraint (SQLSTATE class 23) is the caller's bug
 * (`invalid_write`); anything else, a lost connection included, is `io` and names the server.
 */
export function storeErrorOf(error: unknown, what: string, target: string, password?: string): StoreError {
  if (error instanceof StoreError) return error;
  const state = sqlStateOf(error);
  let detail = errorMessage(error);
  if (password !== undefined && password !== "") detail = detail.split(password).join("***");
  if (state?.startsWith("23")) {
    return new StoreError("invalid_write", `unit of work refused: ${what} failed (${detail})`, {
      cause: error,
    });
  }
  const where =
    state === undefined ? `the Postgres database at ${target} is unreachable` : `Postgres at ${target}`;
  return new StoreError("io", `${what} failed, nothing stored: ${where} (${detail})`, { cause: error });
}
