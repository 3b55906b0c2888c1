import type { SQL } from "bun";
import type { Id, NewEntry } from "../records.ts";
import type { CommitOutcome, Guard, Work, Write } from "../work.ts";
import type { Row } from "./postgres-rows.ts";
import { bytesOf } from "./postgres-rows.ts";
import type { PostgresWorkContext } from "./postgres-work.ts";

/** The send pipeline's work (relay/send.ts, README "The unit of work"), taken apart for norc_send. */
interface SendShape {
  entry: NewEntry;
  seen: { sender: Id; atMs: number };
  caps: { maxFrames: number; maxBytes: number };
  contact: { a: Id; b: Id; atMs: number };
}

function same(a: Id, b: Id): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * The work as a send when it has exactly the send's shape: guards notSeen, deviceUsable, queueCap,
 * diskQuota on the entry's ids, writes enqueue, markSeen (of that entry), touchContact. Else undefined.
 */
export function sendShapeOf(work: Work): SendShape | undefined {
  const [notSeen, usable, cap, quota, ...moreGuards] = (work.guards ?? []) as (Guard | undefined)[];
  const [enqueue, markSeen, touch, ...moreWrites] = work.writes as (Write | undefined)[];
  if (moreGuards.length > 0 || moreWrites.length > 0) return undefined;
  if (enqueue?.type !== "enqueue" || markSeen?.type !== "markSeen" || touch?.type !== "touchContact")
    return undefined;
  if (notSeen?.type !== "notSeen" || usable?.type !== "deviceUsable" || cap?.type !== "queueCap")
    return undefined;
  if (quota?.type !== "diskQuota") return undefined;
  const { entry } = enqueue;
  const ids = [notSeen.messageId, markSeen.seen.messageId].every((messageId) =>
    same(messageId, entry.messageId),
  );
  const recipients = [usable.device, cap.recipient, markSeen.seen.recipient].every((id) =>
    same(id, entry.recipient),
  );
  if (!ids || !recipients) return undefined;
  return {
    entry,
    seen: markSeen.seen,
    caps: cap,
    contact: touch,
  };
}

/** Runs a send in one round trip (norc_send: its own transaction); the outcome as the general path gives it. */
export async function commitSend(
  sql: SQL,
  context: PostgresWorkContext,
  send: SendShape,
): Promise<CommitOutcome> {
  const { entry, seen, caps, contact } = send;
  const usedBytes = context.usedBytes();
  const full = context.quota.isFull(usedBytes);
  const [row]: Row[] =
    await sql`SELECT * FROM norc_send(${entry.recipient}, ${entry.kind}, ${entry.messageId},
    ${entry.sender}, ${entry.frame}, ${entry.enqueuedAtMs}, ${entry.expiresAtMs}, ${seen.sender}, ${seen.atMs},
    ${caps.maxFrames}, ${caps.maxBytes}, ${full}, ${contact.a}, ${contact.b}, ${contact.atMs},
    ${context.contactResolutionMs})`;
  const recipient = entry.recipient;
  switch (row?.o_status) {
    case "ok":
      return { status: "ok", seqs: [Number(row.o_seq)] };
    case "duplicate":
      return {
        status: "duplicate",
        seen: {
          messageId: entry.messageId.slice(),
          sender: bytesOf(row.o_sender),
          recipient: bytesOf(row.o_recipient),
          atMs: Number(row.o_at_ms),
        },
      };
    case "unknown_device":
    case "revoked":
      return { status: row.o_status, device: recipient };
    case "queue_full":
      return {
        status: "queue_full",
        recipient,
        stats: { frames: Number(row.o_frames), bytes: Number(row.o_bytes) },
      };
    case "disk_full":
      return { status: "disk_full", usedBytes, limitBytes: context.quota.limitBytes ?? 0 };
    default:
      throw new Error(`norc_send returned ${String(row?.o_status)}`);
  }
}
