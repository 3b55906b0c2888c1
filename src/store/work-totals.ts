import type { Id, QueueStats } from "./records.ts";
import type { Write } from "./work.ts";

/** Frames and bytes a unit of work's writes add to one queue (for the queueCap guard). */
export function addedTo(recipient: Id, writes: Write[]): QueueStats {
  const added = { frames: 0, bytes: 0 };
  for (const write of writes) {
    if (write.type !== "enqueue" || !Buffer.from(write.entry.recipient).equals(recipient)) continue;
    added.frames += 1;
    added.bytes += write.entry.frame.byteLength;
  }
  return added;
}
