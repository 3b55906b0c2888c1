import type { Id, QueueEntry } from "../store/records.ts";
import { idHex } from "./ids.ts";

/** The §9 codes the relay closes sessions with (500: cluster mode could not take the lease). */
export const CloseCode = { revoked: 202, superseded: 203, suspended: 303, internal: 500 } as const;

/**
 * One authenticated session as the relay sees it; src/session implements it. The relay never
 * writes to a socket: it tells the session to pull (wake), to append a presence frame, or to end.
 */
export interface LiveSession {
  /** The authenticated device. */
  readonly device: Id;
  /** The session_id sent in its 0x04. */
  readonly sessionId: Id;
  /** Entries were committed to the device's queue (or the window opened): pull with the session's MailboxCursor. */
  wake(): void;
  /** Append this presence frame (never queued; the session MAY drop it above the high-water mark). */
  pushPresence(frame: Uint8Array): void;
  /** Send this error (202 revoked, 203 superseded, 303 suspended) and close; the session then calls detach. */
  close(code: number, reason: string): void;
}

/** Device -> its one live session: in process for one node, or across a cluster (ClusterRouter). */
export interface Router {
  /** Makes `session` its device's session; an older one is told to close with 203 superseded and returned. */
  attach(session: LiveSession): LiveSession | undefined;
  /** Forgets `session`; true when it was its device's current session (the device is now offline). */
  detach(session: LiveSession): boolean;
  /** The device's live session, if any. */
  sessionOf(device: Id): LiveSession | undefined;
  /** Tells the device's session, if any, that its queue has new entries. */
  wake(device: Id): void;
  /** Tells the device's session, if any, to end with `code`. */
  close(device: Id, code: number, reason: string): void;
  /** Pushes a presence frame to the live sessions of `devices` (wherever they are); resolves with how many were here. */
  pushPresence(devices: readonly Id[], frame: Uint8Array): Promise<number>;
  /**
   * Cluster mode: the session's queue page, read only while its lease is current ("stale" once a
   * newer session took the device; the router has then closed this one with 203). Undefined: no leases.
   */
  fencedPage?(session: LiveSession, afterSeq: number, limit: number): Promise<QueueEntry[] | "stale">;
  /**
   * Cluster mode: the lease epoch of the device's session here, for the leaseEpoch guard of its
   * deletions (an epoch no lease has when the device has no session here). Undefined: no leases.
   */
  leaseEpoch?(device: Id): Promise<number> | undefined;
  /** How many devices have a live session here (the authenticated-sessions gauge). */
  readonly size: number;
}

/** The router of a single process: a map from device id to its session. */
export class LocalRouter implements Router {
  private readonly sessions = new Map<string, LiveSession>();

  attach(session: LiveSession): LiveSession | undefined {
    const key = idHex(session.device);
    const previous = this.sessions.get(key);
    this.sessions.set(key, session);
    if (previous === undefined || previous === session) return undefined;
    previous.close(CloseCode.superseded, "superseded");
    return previous;
  }

  detach(session: LiveSession): boolean {
    const key = idHex(session.device);
    if (this.sessions.get(key) !== session) return false;
    this.sessions.delete(key);
    return true;
  }

  sessionOf(device: Id): LiveSession | undefined {
    return this.sessions.get(idHex(device));
  }

  wake(device: Id): void {
    this.sessions.get(idHex(device))?.wake();
  }

  close(device: Id, code: number, reason: string): void {
    this.sessions.get(idHex(device))?.close(code, reason);
  }

  async pushPresence(devices: readonly Id[], frame: Uint8Array): Promise<number> {
    let pushed = 0;
    for (const device of devices) {
      const session = this.sessions.get(idHex(device));
      if (session === undefined) continue;
      session.pushPresence(frame);
      pushed += 1;
    }
    return pushed;
  }

  /** How many devices have a live session (the authenticated-sessions gauge). */
  get size(): number {
    return this.sessions.size;
  }
}
