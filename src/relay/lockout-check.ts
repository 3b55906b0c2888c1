import type { LockoutStore } from "../store/cluster-ports.ts";
import { storageFailure } from "./checks.ts";
import type { RelayContext } from "./relay-context.ts";

/**
 * Seconds of §6.3 lockout left on any of `keys` (0: none): from the store's shared count in cluster
 * mode (every instance sees the same failures), else from this process's AuthLockout.
 */
export async function lockoutLeftSecs(ctx: RelayContext, keys: string[], nowMs: number): Promise<number> {
  const shared = ctx.sharedLockout;
  if (shared === undefined) return ctx.limits.lockout.remainingSecs(keys, nowMs);
  const until = await shared.lockedUntilMs(keys, nowMs).catch((error: unknown) => {
    throw storageFailure(error, undefined);
  });
  return until > nowMs ? Math.ceil((until - nowMs) / 1000) : 0;
}

/** Counts a failed authentication against `keys`, in the shared store in cluster mode (a store failure loses the count). */
export async function recordAuthFailure(ctx: RelayContext, keys: string[], nowMs: number): Promise<void> {
  const shared: LockoutStore | undefined = ctx.sharedLockout;
  if (shared === undefined) {
    ctx.limits.lockout.recordFailure(keys, nowMs);
    return;
  }
  await shared.recordAuthFailure(keys, nowMs, ctx.settings.limits.authFailures).catch(() => undefined);
}
