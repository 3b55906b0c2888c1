import type { Id } from "../store/records.ts";
import type { RevokeOutcome as StoreRevokeOutcome } from "../store/work.ts";
import { checkFresh, checkSignature, commitWork, readStore, takeToken } from "./checks.ts";
import { idHex, sameId } from "./ids.ts";
import { failRemoved } from "./receipts.ts";
import type { RelayContext } from "./relay-context.ts";
import { RelayCode, RelayError } from "./relay-error.ts";
import { CloseCode } from "./router.ts";

/** A decoded 0x05 Revoke from an authenticated session. */
export interface RevokeRequest {
  nowMs: number;
  sessionDevice: Id;
  messageId: Id;
  timestampMs: number;
  targetId: Id;
  /** 0 unspecified, 1 compromise, 2 lost, 3 retired, 4 replaced (informational). */
  reason: number;
  verifySignature: () => boolean;
}

/** Status 0 for the requester; when it revoked itself, the session sends 202 and closes after that reply. */
export interface RevokeOutcome {
  status: "revoked" | "already_revoked";
  closeRequester: boolean;
  /** Queue entries purged (§8.4). */
  purged: number;
}

/**
 * 0x05, §6.4 order after parsing: freshness (103) → `revocations` limit (502) → signature (200) →
 * unknown target (201) → a target neither the session device nor of its user (303) → already revoked
 * (status 0) → revoked durably with §8.4 (queue purged, status-3 receipts to its senders) → 202 to
 * the target's session (the requester's own one after the reply: `closeRequester`).
 */
export async function revoke(ctx: RelayContext, request: RevokeRequest): Promise<RevokeOutcome> {
  const { nowMs, messageId: ref, targetId, sessionDevice } = request;
  checkFresh(request.timestampMs, nowMs, ctx.settings.freshnessWindowMs, ref);
  takeToken(ctx.limits.revocations, [`device:${idHex(sessionDevice)}`], nowMs, "revocations", ref);
  checkSignature(request.verifySignature, ref, "revocation");
  const [target, requester] = await readStore(
    Promise.all([ctx.store.getDevice(targetId), ctx.store.getDevice(sessionDevice)]),
    ref,
  );
  if (target === undefined) {
    throw new RelayError(RelayCode.deviceNotRegistered, "the device to revoke is not registered", {
      reason: "unknown_device",
      ref,
    });
  }
  const self = sameId(targetId, sessionDevice);
  if (!self && target.userId !== requester?.userId) {
    throw new RelayError(
      RelayCode.operationNotPermitted,
      "only the device itself or a device of its user may revoke it",
      {
        reason: "foreign_device",
        ref,
      },
    );
  }
  const outcome = await readStore(revokeAndPurge(ctx, targetId, nowMs), ref);
  if (outcome.status === "unknown_device")
    throw new RelayError(RelayCode.deviceNotRegistered, "the device vanished", { ref });
  if (outcome.status === "already_revoked")
    return { status: "already_revoked", closeRequester: false, purged: 0 };
  if (!self) ctx.router.close(targetId, CloseCode.revoked, "revoked");
  return { status: "revoked", closeRequester: self, purged: outcome.purged.length };
}

/** Marks the device revoked with its queue purged, then queues status 3 for each purged message's sender (§8.4). */
export async function revokeAndPurge(
  ctx: RelayContext,
  device: Id,
  nowMs: number,
): Promise<StoreRevokeOutcome> {
  const outcome = await ctx.store.revokeDevice(device, nowMs);
  if (outcome.status !== "revoked") return outcome;
  ctx.stats.messagesPurged += outcome.purged.filter((entry) => entry.kind === "message").length;
  await failRemoved(ctx, outcome.purged, nowMs);
  return outcome;
}

/** The operator revoked `device` (`device revoke`): as §8.4, and its session is closed with 202. */
export async function operatorRevoke(
  ctx: RelayContext,
  device: Id,
  nowMs: number,
): Promise<StoreRevokeOutcome> {
  const outcome = await revokeAndPurge(ctx, device, nowMs);
  if (outcome.status === "revoked") ctx.router.close(device, CloseCode.revoked, "revoked");
  return outcome;
}

/**
 * The operator suspended `device` (`device suspend`): the queue is kept, its session is closed with
 * 303 reason=suspended. Resolves false (nothing changed) for an unknown or revoked device.
 */
export async function operatorSuspend(ctx: RelayContext, device: Id, nowMs: number): Promise<boolean> {
  const record = await ctx.store.getDevice(device);
  if (record === undefined || record.state === "revoked") return false;
  if (record.state !== "suspended") {
    await commitWork(
      ctx.store,
      { writes: [{ type: "setDeviceState", device, state: "suspended", atMs: nowMs }] },
      undefined,
    );
  }
  ctx.router.close(device, CloseCode.suspended, "suspended");
  return true;
}
