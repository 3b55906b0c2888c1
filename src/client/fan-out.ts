import { bytesEqual, fromHex, toHex } from "../protocol/bytes.ts";
import { DeviceState, type DirectoryEntry, isGenuineEntry, type KeyRequest } from "../protocol/directory.ts";

/** Whom a message is for: one device (64 hex digits) or every active device of a user. */
export type SendTarget = { kind: "device"; deviceId: Uint8Array } | { kind: "user"; userId: string };

/** `--to` text: 64 hex digits name a device, anything else a user (`user:NAME` forces a user). */
export function parseSendTarget(text: string): SendTarget {
  if (text.startsWith("user:")) return { kind: "user", userId: text.slice(5) };
  if (/^[0-9a-fA-F]{64}$/.test(text)) return { kind: "device", deviceId: fromHex(text.toLowerCase()) };
  return { kind: "user", userId: text };
}

/** The 0x30 that finds a target's devices (kind 1 for a device, kind 0 for a user). */
export function targetRequest(target: SendTarget): KeyRequest {
  return target.kind === "device"
    ? { kind: 1, deviceIds: [target.deviceId] }
    : { kind: 0, userId: target.userId };
}

/** Names of the 0x31 states, for messages. */
export const STATE_NAMES: Record<number, string> = {
  [DeviceState.registered]: "pending approval",
  [DeviceState.active]: "active",
  [DeviceState.suspended]: "suspended",
  [DeviceState.revoked]: "revoked",
};

/** A directory entry left out of a fan-out, and why. */
export interface SkippedDevice {
  deviceId: string;
  why: string;
}

/** The devices to send one frame each to, and the ones left out. */
export interface FanOutPlan {
  recipients: DirectoryEntry[];
  skipped: SkippedDevice[];
}

function matchesTarget(entry: DirectoryEntry, target: SendTarget): boolean {
  return target.kind === "device"
    ? bytesEqual(entry.deviceId, target.deviceId)
    : entry.userId === target.userId;
}

/**
 * One frame per device (§6.5): the target's entries that are genuine (device_id = BLAKE3(key))
 * and active (§6.7), except the sending device itself.
 */
export function planFanOut(target: SendTarget, entries: DirectoryEntry[], selfId: Uint8Array): FanOutPlan {
  const plan: FanOutPlan = { recipients: [], skipped: [] };
  for (const entry of entries) {
    if (!matchesTarget(entry, target)) continue;
    const deviceId = toHex(entry.deviceId);
    if (!isGenuineEntry(entry))
      plan.skipped.push({ deviceId, why: "its key does not match its id (forged entry)" });
    else if (bytesEqual(entry.deviceId, selfId)) plan.skipped.push({ deviceId, why: "it is this device" });
    else if (entry.state !== DeviceState.active) {
      plan.skipped.push({ deviceId, why: STATE_NAMES[entry.state] ?? `state ${entry.state}` });
    } else plan.recipients.push(entry);
  }
  return plan;
}

/** Why a plan has no recipient, for the user: unknown target, or each device and its state. */
export function emptyPlanMessage(target: SendTarget, plan: FanOutPlan): string {
  const who = target.kind === "device" ? `device ${toHex(target.deviceId)}` : `user "${target.userId}"`;
  if (plan.skipped.length === 0) return `${who} is not known to the server`;
  const reasons = plan.skipped.map((s) => `${s.deviceId.slice(0, 16)}…: ${s.why}`).join("; ");
  return `${who} has no active device to send to (${reasons})`;
}
