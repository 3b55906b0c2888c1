import type { DeviceRecord, NewEntry, PresenceRecord, QueueEntry, SeenRecord } from "./records.ts";

/** Copies of records, so a caller changing its buffers never changes what a store holds. */
export function copyDevice(device: DeviceRecord): DeviceRecord {
  return { ...device, id: device.id.slice(), publicKey: device.publicKey.slice() };
}

export function copyEntry<T extends NewEntry | QueueEntry>(entry: T): T {
  return {
    ...entry,
    recipient: entry.recipient.slice(),
    messageId: entry.messageId.slice(),
    sender: entry.sender.slice(),
    frame: entry.frame.slice(),
  };
}

export function copySeen(seen: SeenRecord): SeenRecord {
  return {
    ...seen,
    messageId: seen.messageId.slice(),
    sender: seen.sender.slice(),
    recipient: seen.recipient.slice(),
  };
}

export function copyPresence(presence: PresenceRecord): PresenceRecord {
  return { ...presence, device: presence.device.slice(), frame: presence.frame.slice() };
}
