import { randomBytes } from "node:crypto";
import type { LockoutStore } from "../store/cluster-ports.ts";
import type { Store } from "../store/ports.ts";
import type { Id } from "../store/records.ts";
import type { Guard, RevokeOutcome as StoreRevokeOutcome } from "../store/work.ts";
import { type AckOutcome, type AckRequest, ack } from "./acks.ts";
import { type AuthenticateOutcome, type AuthenticateRequest, authenticate } from "./authentication.ts";
import { type DirectoryEntry, type DirectoryRequest, lookUp } from "./directory.ts";
import { idHex } from "./ids.ts";
import { newSharedLimits, type RelayLimits, updatedLimits } from "./limits.ts";
import { MailboxCursor } from "./mailbox-cursor.ts";
import { announceOffline, type PresenceRequest, updatePresence } from "./presence.ts";
import { ReceiptLedger } from "./receipt-ledger.ts";
import { type RegisterOutcome, type RegisterRequest, register } from "./registration.ts";
import type { RelayContext } from "./relay-context.ts";
import { RelayError } from "./relay-error.ts";
import type { RelayFrames } from "./relay-frames.ts";
import { type RelayRequest, RelayStats } from "./relay-stats.ts";
import {
  operatorRevoke,
  operatorSuspend,
  type RevokeOutcome,
  type RevokeRequest,
  revoke,
} from "./revocation.ts";
import { type LiveSession, LocalRouter, type Router } from "./router.ts";
import { type SendOutcome, type SendRequest, send } from "./send.ts";
import { SendOrder } from "./send-order.ts";
import { NCP1_DEFAULTS, type RelaySettings } from "./settings.ts";
import { type ClockStep, SteadyClock } from "./steady-clock.ts";
import { Sweeper, type SweepReport, sweepOnce } from "./sweeper.ts";

function steadyClock(onStep?: (step: ClockStep) => void): () => number {
  const clock = new SteadyClock(Date.now, () => performance.now(), onStep);
  return () => clock.now();
}

/** What a relay is made of; all but the store and the frames port have defaults. */
export interface RelayDeps {
  store: Store;
  frames: RelayFrames;
  settings?: RelaySettings;
  router?: Router;
  /** Cluster mode: the shared §6.3 lockout (every instance counts the same failures). */
  lockout?: LockoutStore;
  /** Default: the wall clock with forward steps held back (SteadyClock), each step reported here. */
  clock?: () => number;
  onClockStep?: (step: ClockStep) => void;
  random?: () => number;
  randomBytes?: (length: number) => Uint8Array;
}

/** A session's place in the relay after `attach`: its cursor, and the session it superseded. */
export interface Attachment {
  cursor: MailboxCursor;
  previous: LiveSession | undefined;
}

/**
 * The NCP-1 messaging domain (§§6–10) behind one facade: the session decodes frames and calls
 * these methods with plain values; each resolves after its durable commit, or throws RelayError.
 */
export class Relay {
  readonly router: Router;
  readonly stats = new RelayStats();
  private readonly ctx: RelayContext;

  constructor(deps: RelayDeps) {
    const settings = deps.settings ?? NCP1_DEFAULTS;
    this.router = deps.router ?? new LocalRouter();
    this.ctx = {
      store: deps.store,
      frames: deps.frames,
      router: this.router,
      settings,
      limits: newSharedLimits(settings.limits),
      receipts: new ReceiptLedger(),
      sendOrder: new SendOrder(),
      sharedLockout: deps.lockout,
      cursors: new Map(),
      stats: this.stats,
      clock: deps.clock ?? steadyClock(deps.onClockStep),
      random: deps.random ?? Math.random,
      randomBytes: deps.randomBytes ?? ((length) => new Uint8Array(randomBytes(length))),
    };
  }

  /** The settings in force. */
  get settings(): RelaySettings {
    return this.ctx.settings;
  }

  /** The shared §10 buckets and the lockout (the session takes `handshakes` and builds its `time_sync`). */
  get limits(): RelayLimits {
    return this.ctx.limits;
  }

  /** 0x02 (§6.2): resolves with the reply's status (0 or 4) after the commit. */
  register(request: RegisterRequest): Promise<RegisterOutcome> {
    return this.counted("register", register(this.ctx, request));
  }

  /** 0x03 (§6.3): the 0x04 fields; the session sends 0x04, then calls `attach`. */
  authenticate(request: AuthenticateRequest): Promise<AuthenticateOutcome> {
    return this.counted("authenticate", authenticate(this.ctx, request));
  }

  /**
   * Makes `session` its device's one session (§7.2): an older one is told 203 superseded. The
   * session then pulls with the returned cursor (from the queue's head: unacked entries again).
   */
  attach(session: LiveSession): Attachment {
    const key = idHex(session.device);
    const previous = this.router.attach(session);
    this.ctx.cursors.get(key)?.close();
    const router = this.router;
    const cursor = new MailboxCursor({
      store: this.ctx.store,
      device: session.device,
      page:
        router.fencedPage === undefined
          ? undefined
          : (afterSeq, limit) => router.fencedPage?.(session, afterSeq, limit) ?? Promise.resolve("stale"),
      fence: router.leaseEpoch === undefined ? undefined : () => leaseGuards(router, session.device),
      deliveryWindow: () => this.ctx.settings.deliveryWindow,
      receipts: this.ctx.receipts,
      nowMs: this.ctx.clock,
      stats: this.stats,
    });
    this.ctx.cursors.set(key, cursor);
    return { cursor, previous };
  }

  /**
   * The session ended. When it was its device's current session, the device is offline: the §6.6
   * offline notice goes to its audience. Resolves when the notice was pushed.
   */
  async detach(session: LiveSession, nowMs: number): Promise<void> {
    if (!this.router.detach(session)) return;
    const key = idHex(session.device);
    this.ctx.cursors.get(key)?.close();
    this.ctx.cursors.delete(key);
    await announceOffline(this.ctx, session.device, nowMs);
  }

  /** 0x10 (§8.1 steps 3–13): resolves (reply status 0) only after the durable commit; wakes the recipient. */
  send(request: SendRequest): Promise<SendOutcome> {
    return this.counted("send", send(this.ctx, request));
  }

  /** A client 0x11 (§6.6): deletes the acked entry and queues the ack as a receipt for its target; no reply. */
  ack(request: AckRequest): Promise<AckOutcome> {
    return this.counted("ack", ack(this.ctx, request));
  }

  /** 0x20 (§6.6): stored as latest and pushed to the audience's online sessions; no reply. */
  presence(request: PresenceRequest): Promise<number> {
    return this.counted("presence", updatePresence(this.ctx, request));
  }

  /** 0x30 (§6.7): the entries of the 0x31 reply, with the presence rule applied. */
  directory(request: DirectoryRequest): Promise<DirectoryEntry[]> {
    return this.counted("directory", lookUp(this.ctx, request));
  }

  /** 0x05 (§6.4): status 0 after the durable revocation; `closeRequester`: the session sends 202 after its reply. */
  revoke(request: RevokeRequest): Promise<RevokeOutcome> {
    return this.counted("revoke", revoke(this.ctx, request));
  }

  /** `device revoke` by the operator, applied live: §8.4 purge with status-3 receipts, 202 to its session. */
  operatorRevoke(device: Id, nowMs: number): Promise<StoreRevokeOutcome> {
    return operatorRevoke(this.ctx, device, nowMs);
  }

  /** `device suspend` by the operator, applied live: queue kept, 303 suspended to its session; false if unknown or revoked. */
  operatorSuspend(device: Id, nowMs: number): Promise<boolean> {
    return operatorSuspend(this.ctx, device, nowMs);
  }

  /** One TTL/maintenance pass now (§8.3). */
  sweep(nowMs: number): Promise<SweepReport> {
    return sweepOnce(this.ctx, nowMs);
  }

  /** A sweeper running `sweep` every `intervalMs` on the relay's clock; start() it, stop() it before the store closes. */
  sweeper(intervalMs: number, onError?: (error: unknown) => void): Sweeper {
    return new Sweeper(() => this.sweep(this.ctx.clock()), intervalMs, onError);
  }

  /**
   * Applies reloaded settings live: every later request uses them; a §10 bucket whose rate or
   * burst changed starts afresh (full), the others keep their state.
   */
  applySettings(settings: RelaySettings): void {
    this.ctx.limits = updatedLimits(this.ctx.limits, this.ctx.settings.limits, settings.limits);
    this.ctx.settings = settings;
  }

  /** Counts a RelayError refusal of `request` by code in `stats`, passing the outcome through. */
  private counted<T>(request: RelayRequest, work: Promise<T>): Promise<T> {
    return work.catch((error: unknown) => {
      if (error instanceof RelayError) this.stats.refused(error.code, request);
      throw error;
    });
  }
}

/** The leaseEpoch guard of the device's session here (none without leases). */
async function leaseGuards(router: Router, device: Id): Promise<Guard[]> {
  const epoch = router.leaseEpoch?.(device);
  return epoch === undefined ? [] : [{ type: "leaseEpoch", device, epoch: await epoch }];
}
