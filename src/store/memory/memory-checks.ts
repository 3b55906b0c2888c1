import { copySeen } from "../copy-records.ts";
import type { QuotaTracker } from "../quota-tracker.ts";
import type { Id, SeenRecord } from "../records.ts";
import type { CommitRefusal, Guard, Work, Write } from "../work.ts";
import { addedTo } from "../work-totals.ts";
import { idKey, sameId } from "./id-key.ts";
import type { MemoryState } from "./memory-state.ts";

/** The first guard of the work that fails, as its refusal; undefined when all pass. */
export function refusalOf(state: MemoryState, work: Work, quota: QuotaTracker): CommitRefusal | undefined {
  for (const guard of work.guards ?? []) {
    const refusal = checkGuard(state, guard, work.writes, quota);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}

function checkGuard(
  state: MemoryState,
  guard: Guard,
  writes: Write[],
  quota: QuotaTracker,
): CommitRefusal | undefined {
  switch (guard.type) {
    case "notSeen":
      return duplicateOf(state, guard.messageId);
    case "deviceUsable": {
      const device = state.devices.get(idKey(guard.device));
      if (device === undefined) return { status: "unknown_device", device: guard.device };
      return device.state === "revoked" ? { status: "revoked", device: guard.device } : undefined;
    }
    case "queueCap": {
      const stats = { ...(state.queues.get(idKey(guard.recipient))?.stats ?? { frames: 0, bytes: 0 }) };
      const added = addedTo(guard.recipient, writes);
      const fits =
        stats.frames + added.frames <= guard.maxFrames && stats.bytes + added.bytes <= guard.maxBytes;
      return fits ? undefined : { status: "queue_full", recipient: guard.recipient, stats };
    }
    case "diskQuota":
      if (!quota.isFull(state.usedBytes)) return undefined;
      return { status: "disk_full", usedBytes: state.usedBytes, limitBytes: quota.limitBytes ?? 0 };
    case "leaseEpoch": {
      const epoch = state.leases.get(guard.device)?.epoch ?? 0;
      return epoch === guard.epoch ? undefined : { status: "stale_lease", device: guard.device, epoch };
    }
  }
}

function duplicateOf(state: MemoryState, messageId: Id): CommitRefusal | undefined {
  const seen = state.seen.get(idKey(messageId));
  return seen === undefined ? undefined : { status: "duplicate", seen: copySeen(seen) };
}

/** Whether the message of a seen record still waits in its recipient's queue. */
export function isQueued(state: MemoryState, seen: SeenRecord): boolean {
  for (const entry of state.queues.get(idKey(seen.recipient))?.entries.values() ?? []) {
    if (sameId(entry.messageId, seen.messageId)) return true;
  }
  return false;
}

/** Why a write of the work cannot apply (a bug in the caller), or undefined: checked before any applies. */
export function invalidWriteOf(state: MemoryState, writes: Write[]): string | undefined {
  const devices = new Set<string>();
  const seen = new Set<string>();
  const known = (id: Id) => devices.has(idKey(id)) || state.devices.has(idKey(id));
  for (const write of writes) {
    if (write.type === "putDevice") devices.add(idKey(write.device.id));
    if (write.type === "enqueue" && !known(write.entry.recipient)) {
      return `enqueue for an unknown device ${idKey(write.entry.recipient)}`;
    }
    if (write.type === "setDeviceState" && !known(write.device)) {
      return `state change of an unknown device ${idKey(write.device)}`;
    }
    if (write.type === "putPresence" && !known(write.presence.device)) {
      return `presence of an unknown device ${idKey(write.presence.device)}`;
    }
    if (write.type === "markSeen") {
      const key = idKey(write.seen.messageId);
      if (seen.has(key) || state.seen.has(key)) return `message id ${key} is already seen`;
      seen.add(key);
    }
  }
  return undefined;
}
