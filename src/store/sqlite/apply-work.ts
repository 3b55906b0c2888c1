import { errorMessage } from "../../errors.ts";
import { contactMoves } from "../ports.ts";
import type { QuotaTracker } from "../quota-tracker.ts";
import { StoreError } from "../store-error.ts";
import type { CommitOutcome, CommitRefusal, Guard, Work, Write } from "../work.ts";
import { addedTo } from "../work-totals.ts";
import { type PackingProbe, packFrame } from "./frame-packing.ts";
import type { Statements } from "./prepare-statements.ts";
import type { QueueIndex } from "./queue-index.ts";
import { seenOf } from "./rows.ts";
import type { SeenLog } from "./seen-log.ts";

/** What a unit of work needs besides the statements: seqs to hand out and the quota's view. */
export interface WorkContext {
  statements: Statements;
  seen: SeenLog;
  queues: QueueIndex;
  nextSeq: () => number;
  quota: QuotaTracker;
  usedBytes: () => number;
  contactResolutionMs: number;
  /** storage.compression_enabled: try zstd per stored frame (kept where it saves >= 10 %). */
  compressFrames: boolean;
  /** The epoch of the device's session lease held now (0: none), for the leaseEpoch guard. */
  leaseEpochOf: (device: Uint8Array) => number;
  /** Stops trying zstd on a run of frames it cannot shrink (E2E ciphertext), tries again now and then. */
  packing: PackingProbe;
}

/**
 * Runs one unit of work inside the open transaction (the caller wraps it in a savepoint): guards
 * first, reading what earlier works of the batch wrote; then the writes, seen records last so each
 * links the entry enqueued with it. Synchronous by design.
 */
export function applyWork(context: WorkContext, work: Work): CommitOutcome {
  for (const guard of work.guards ?? []) {
    const refusal = checkGuard(context, guard, work.writes);
    if (refusal !== undefined) return refusal;
  }
  const seqs: number[] = [];
  const sentSeqs = new Map<string, number>();
  for (const write of work.writes) {
    if (write.type === "markSeen") continue;
    const seq = applyWrite(context, write);
    if (seq === undefined || write.type !== "enqueue") continue;
    seqs.push(seq);
    sentSeqs.set(sentKey(write.entry.recipient, write.entry.messageId), seq);
  }
  for (const write of work.writes) {
    if (write.type !== "markSeen") continue;
    const link = sentSeqs.get(sentKey(write.seen.recipient, write.seen.messageId)) ?? null;
    tryWrite(write, () => context.seen.insert(write.seen, link));
  }
  return { status: "ok", seqs };
}

function checkGuard(context: WorkContext, guard: Guard, writes: Write[]): CommitRefusal | undefined {
  const { statements } = context;
  switch (guard.type) {
    case "notSeen": {
      const seen = context.seen.find(guard.messageId);
      return seen === undefined ? undefined : { status: "duplicate", seen: seenOf(seen) };
    }
    case "deviceUsable": {
      const device = statements.deviceState.get(guard.device);
      if (device === null) return { status: "unknown_device", device: guard.device };
      return device.state === "revoked" ? { status: "revoked", device: guard.device } : undefined;
    }
    case "queueCap": {
      const stats = context.queues.stats(guard.recipient);
      const added = addedTo(guard.recipient, writes);
      const fits =
        stats.frames + added.frames <= guard.maxFrames && stats.bytes + added.bytes <= guard.maxBytes;
      return fits ? undefined : { status: "queue_full", recipient: guard.recipient, stats };
    }
    case "diskQuota": {
      const usedBytes = context.usedBytes();
      if (!context.quota.isFull(usedBytes)) return undefined;
      return { status: "disk_full", usedBytes, limitBytes: context.quota.limitBytes ?? 0 };
    }
    case "leaseEpoch": {
      const epoch = context.leaseEpochOf(guard.device);
      return epoch === guard.epoch ? undefined : { status: "stale_lease", device: guard.device, epoch };
    }
  }
}

function applyWrite(context: WorkContext, write: Write): number | undefined {
  const { statements } = context;
  try {
    switch (write.type) {
      case "enqueue": {
        const { recipient, kind, messageId, sender, frame, enqueuedAtMs, expiresAtMs } = write.entry;
        const seq = context.nextSeq();
        const bytes = frame.byteLength;
        const stored = packFrame(
          frame,
          context.compressFrames && context.packing.worthTrying(),
          context.packing,
        );
        statements.insertEntry.run(
          seq,
          recipient,
          kind,
          messageId,
          sender,
          stored.bytes,
          enqueuedAtMs,
          expiresAtMs,
          stored.zstd,
          bytes,
        );
        context.queues.add(recipient, seq, bytes, { ...write.entry, seq });
        return seq;
      }
      case "deleteEntry": {
        if (context.queues.remove(write.recipient, write.seq)) statements.deleteEntry.run(write.seq);
        return undefined;
      }
      case "markSeen":
        throw new StoreError("invalid_write", "markSeen is applied after the other writes");
      case "touchContact": {
        const storedAtMs = statements.contactAt.get(write.a, write.b)?.last_at_ms;
        if (!contactMoves(storedAtMs, write.atMs, context.contactResolutionMs)) return undefined;
        statements.touchContact.run(write.a, write.b, write.atMs);
        statements.touchContact.run(write.b, write.a, write.atMs);
        return undefined;
      }
      case "putDevice": {
        const d = write.device;
        statements.putDevice.run(
          d.id,
          d.publicKey,
          d.userId,
          d.state,
          d.info,
          d.capabilities,
          d.registeredAtMs,
          d.updatedAtMs,
        );
        return undefined;
      }
      case "setDeviceState":
        if (statements.setDeviceState.run(write.state, write.atMs, write.device).changes === 0) {
          throw new StoreError("invalid_write", "unit of work refused: state change of an unknown device");
        }
        return undefined;
      case "putPresence": {
        const { device, status, frame, atMs } = write.presence;
        statements.putPresence.run(device, status, frame, atMs);
        return undefined;
      }
    }
  } catch (error) {
    throw writeError(write, error);
  }
}

/** The key linking a seen record to the entry enqueued for it in the same work. */
function sentKey(recipient: Uint8Array, messageId: Uint8Array): string {
  return `${Buffer.from(recipient).toString("hex")}:${Buffer.from(messageId).toString("hex")}`;
}

function tryWrite(write: Write, apply: () => void): void {
  try {
    apply();
  } catch (error) {
    throw writeError(write, error);
  }
}

/** A constraint failure is the caller's bug (invalid_write); anything else is the disk's (io). */
function writeError(write: Write, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = String((error as { code?: unknown }).code ?? "");
  const kind = code.startsWith("SQLITE_CONSTRAINT") ? "invalid_write" : "io";
  return new StoreError(kind, `unit of work refused: ${write.type} failed (${errorMessage(error)})`, {
    cause: error,
  });
}
