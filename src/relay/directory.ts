import type { DeviceRecord, Id } from "../store/records.ts";
import { readStore, takeToken } from "./checks.ts";
import { idHex, sameId } from "./ids.ts";
import type { RelayContext } from "./relay-context.ts";

/** A decoded 0x30 KeyRequest: kind 0 asks for a user's devices, kind 1 for devices by id. */
export type DirectoryRequest = { nowMs: number; requester: Id; messageId: Id } & (
  | { kind: 0; userId: string }
  | { kind: 1; deviceIds: Id[] }
);

/** One 0x31 entry: the device record and the presence the requester may see (0 otherwise). */
export interface DirectoryEntry {
  device: DeviceRecord;
  presence: number;
}

/**
 * 0x30 (§6.7): the `key_lookups` limit (502), then kind 0: all of the user's devices in every state,
 * oldest first (unknown user: none); kind 1: the known ids in request order, unknown ones skipped.
 * `presence` is the latest status when the requester is in the device's audience and the device
 * has a session, else 0.
 */
export async function lookUp(ctx: RelayContext, request: DirectoryRequest): Promise<DirectoryEntry[]> {
  const { nowMs, requester, messageId: ref } = request;
  takeToken(ctx.limits.keyLookups, [`device:${idHex(requester)}`], nowMs, "key_lookups", ref);
  const devices = await readStore(devicesFor(ctx, request), ref);
  const requesterRecord = await readStore(ctx.store.getDevice(requester), ref);
  const entries: DirectoryEntry[] = [];
  for (const device of devices) {
    const presence = await readStore(visiblePresence(ctx, device, requester, requesterRecord, nowMs), ref);
    entries.push({ device, presence });
  }
  return entries;
}

async function devicesFor(ctx: RelayContext, request: DirectoryRequest): Promise<DeviceRecord[]> {
  if (request.kind === 0) return ctx.store.devicesOfUser(request.userId);
  const found = await Promise.all(request.deviceIds.map((id) => ctx.store.getDevice(id)));
  return found.filter((device): device is DeviceRecord => device !== undefined);
}

/** The §6.7 presence rule for one entry. */
async function visiblePresence(
  ctx: RelayContext,
  device: DeviceRecord,
  requester: Id,
  requesterRecord: DeviceRecord | undefined,
  nowMs: number,
): Promise<number> {
  if (ctx.router.sessionOf(device.id) === undefined || sameId(device.id, requester)) return 0;
  const sameUser = requesterRecord !== undefined && requesterRecord.userId === device.userId;
  if (!sameUser) {
    const contacts = await ctx.store.contactsOf(device.id, nowMs - ctx.settings.presenceContactMs);
    if (!contacts.some((contact) => sameId(contact.peer, requester))) return 0;
  }
  return (await ctx.store.getPresence(device.id))?.status ?? 0;
}
