import type { UnitOfWork } from "../store/ports.ts";
import type { Id } from "../store/records.ts";
import type { CommitOutcome, Work } from "../store/work.ts";
import type { KeyedBuckets } from "./keyed-buckets.ts";
import { exhausted, RelayCode, RelayError } from "./relay-error.ts";

/** 103 reason=clock_skew when |now − timestamp| exceeds `windowMs` (§6.1 freshness, §6.3 skew). */
export function checkFresh(timestampMs: number, nowMs: number, windowMs: number, ref: Id): void {
  const skewMs = Math.abs(nowMs - timestampMs);
  if (skewMs <= windowMs) return;
  throw new RelayError(
    RelayCode.sequence,
    `timestamp is ${Math.round(skewMs / 1000)} s away from server time`,
    {
      reason: "clock_skew",
      ref,
    },
  );
}

/** Takes a token from each key's bucket of the §10 `limit`, or refuses with 502 and its retry_after. */
export function takeToken(
  buckets: KeyedBuckets,
  keys: readonly string[],
  nowMs: number,
  limit: string,
  ref: Id,
): void {
  const retryAfterSecs = buckets.take(keys, nowMs);
  if (retryAfterSecs > 0) throw exhausted(limit, retryAfterSecs, ref, `rate limit "${limit}" exceeded`);
}

/** 200 when the frame's Ed25519 signature (checked by the caller's codec) does not verify. */
export function checkSignature(verify: () => boolean, ref: Id, what: string): void {
  if (!verify()) {
    throw new RelayError(RelayCode.authenticationFailed, `the ${what} signature does not verify`, {
      reason: "signature",
      ref,
    });
  }
}

/** 303: an id the frame claims as its own is not the session's device (spoofing). */
export function requireSessionDevice(claimed: Id, sessionDevice: Id, field: string, ref: Id): void {
  if (Buffer.compare(claimed, sessionDevice) === 0) return;
  throw new RelayError(RelayCode.operationNotPermitted, `${field} is not this session's device`, {
    reason: "spoofed_id",
    ref,
  });
}

/** 500 for a storage failure: the store guarantees nothing of the work was stored. */
export function storageFailure(error: unknown, ref: Id | undefined): RelayError {
  const failure = new RelayError(RelayCode.internal, "storage failure: nothing was stored", {
    reason: "storage",
    ref,
  });
  failure.cause = error;
  return failure;
}

/** Commits a unit of work; any store failure becomes 500 (nothing stored). */
export async function commitWork(store: UnitOfWork, work: Work, ref: Id | undefined): Promise<CommitOutcome> {
  try {
    return await store.commit(work);
  } catch (error) {
    throw storageFailure(error, ref);
  }
}

/** Awaits a store read; a failure becomes 500. */
export async function readStore<T>(read: Promise<T>, ref: Id | undefined): Promise<T> {
  try {
    return await read;
  } catch (error) {
    throw storageFailure(error, ref);
  }
}
