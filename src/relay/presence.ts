import type { Id } from "../store/records.ts";
import {
  checkFresh,
  checkSignature,
  commitWork,
  readStore,
  requireSessionDevice,
  takeToken,
} from "./checks.ts";
import { idHex } from "./ids.ts";
import type { RelayContext } from "./relay-context.ts";

/** A decoded 0x20 Presence from an authenticated session. */
export interface PresenceRequest {
  nowMs: number;
  /** The session's authenticated device. */
  sessionDevice: Id;
  messageId: Id;
  timestampMs: number;
  deviceId: Id;
  status: number;
  /** The unchanged inner frame: stored as the latest and pushed as it is. */
  frame: Uint8Array;
  verifySignature: () => boolean;
}

/**
 * The §6.6 audience of `device`: the other devices of its user, and every device it exchanged a
 * 0x10 with within `presence_contact_days`. Unknown devices have none.
 */
export async function audienceOf(ctx: RelayContext, device: Id, nowMs: number): Promise<Id[]> {
  const record = await ctx.store.getDevice(device);
  if (record === undefined) return [];
  const peers = new Map<string, Id>();
  for (const other of await ctx.store.devicesOfUser(record.userId)) peers.set(idHex(other.id), other.id);
  for (const contact of await ctx.store.contactsOf(device, nowMs - ctx.settings.presenceContactMs)) {
    peers.set(idHex(contact.peer), contact.peer);
  }
  peers.delete(idHex(device));
  return [...peers.values()];
}

/**
 * 0x20, §6.6 order after parsing: device_id = the session device (303) → freshness (103) →
 * `presence` limit (502) → signature (200) → stored as latest → pushed to the audience's online
 * sessions. No reply; never queued. Resolves with how many sessions it was pushed to.
 */
export async function updatePresence(ctx: RelayContext, request: PresenceRequest): Promise<number> {
  const { nowMs, messageId: ref } = request;
  requireSessionDevice(request.deviceId, request.sessionDevice, "device_id", ref);
  checkFresh(request.timestampMs, nowMs, ctx.settings.freshnessWindowMs, ref);
  takeToken(ctx.limits.presence, [`device:${idHex(request.deviceId)}`], nowMs, "presence", ref);
  checkSignature(request.verifySignature, ref, "presence");
  const presence = { device: request.deviceId, status: request.status, frame: request.frame, atMs: nowMs };
  await commitWork(ctx.store, { writes: [{ type: "putPresence", presence }] }, ref);
  return fanOut(ctx, request.deviceId, request.frame, nowMs, ref);
}

/**
 * The §6.6 offline notice, when `device`'s last session ended: an IKs-signed status 0 stored as the
 * latest and pushed to the audience's online sessions. A storage failure still pushes it (SHOULD).
 */
export async function announceOffline(ctx: RelayContext, device: Id, nowMs: number): Promise<number> {
  const notice = ctx.frames.offlineNotice({ deviceId: device, nowMs });
  const presence = { device, status: 0, frame: notice.frame, atMs: nowMs };
  await ctx.store.commit({ writes: [{ type: "putPresence", presence }] }).catch(() => undefined);
  return fanOut(ctx, device, notice.frame, nowMs, undefined).catch(() => 0);
}

async function fanOut(ctx: RelayContext, device: Id, frame: Uint8Array, nowMs: number, ref: Id | undefined) {
  const audience = await readStore(audienceOf(ctx, device, nowMs), ref);
  return ctx.router.pushPresence(audience, frame);
}
