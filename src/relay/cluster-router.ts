import type { HintBus, LeaseStore } from "../store/cluster-ports.ts";
import type { Id, QueueEntry } from "../store/records.ts";
import { type ClusterHint, decodeHint, encodeHint, hintChannel, presenceHints } from "./cluster-hints.ts";
import { idHex } from "./ids.ts";
import { CloseCode, type LiveSession, type Router } from "./router.ts";

/** What a cluster router works with: the shared leases, the hint bus, this instance's name. */
export interface ClusterRouterDeps {
  leases: LeaseStore;
  hints: HintBus;
  instance: string;
  clock?: () => number;
  /** A background step failed (a lease, a hint): logged; the queue stays the truth. */
  onError?: (what: string, error: unknown) => void;
}

/** A session of this instance and the epoch of the lease it took (pending while being taken). */
interface Held {
  session: LiveSession;
  epoch: Promise<number>;
}

/** Counters of the cluster router, for /metrics. */
export interface ClusterRouterStats {
  hintsSent: number;
  hintsReceived: number;
  /** Sessions here closed because a session elsewhere took their device (hint or fenced read). */
  supersededHere: number;
  /** Catch-ups after a (re)listen: every session here pulled its queue. */
  catchUps: number;
}

const ANY_EPOCH = Number.MAX_SAFE_INTEGER;
/** Matches no lease: the leaseEpoch guard of a device without a session here always fails. */
const NOT_HELD = -1;

/**
 * The router of cluster mode (MESSAGING.md, Scale-out): one session per device across instances,
 * fenced by a lease epoch each authentication bumps; the old holder is told 203 by a hint on its
 * instance's channel. Wakes and presence for devices held elsewhere go as hints after the commit;
 * every (re)listen wakes every local session, so a lost hint costs latency, never a message.
 */
export class ClusterRouter implements Router {
  readonly stats: ClusterRouterStats = { hintsSent: 0, hintsReceived: 0, supersededHere: 0, catchUps: 0 };
  private readonly held = new Map<string, Held>();
  private readonly taking = new Map<string, Promise<unknown>>();
  private readonly clock: () => number;
  private unlisten?: () => Promise<void>;
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly deps: ClusterRouterDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /** This instance's hint channel. */
  get channel(): string {
    return hintChannel(this.deps.instance);
  }

  /** Listens on this instance's channel; each (re)subscription wakes every session here (catch-up). */
  async listen(): Promise<void> {
    this.unlisten = await this.deps.hints.listen(
      this.channel,
      (payload) => this.onHint(payload),
      () => this.catchUp(),
    );
  }

  /** Stops listening and waits for the hints and lease releases under way (before the store closes). */
  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = undefined;
    await this.idle();
  }

  /** Resolves once the background steps started so far (lease lookups, hints, releases) are done. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  attach(session: LiveSession): LiveSession | undefined {
    const key = idHex(session.device);
    const prior = this.held.get(key);
    const epoch = this.takeLease(key, session);
    this.held.set(key, { session, epoch });
    if (prior === undefined || prior.session === session) return undefined;
    prior.session.close(CloseCode.superseded, "superseded");
    return prior.session;
  }

  detach(session: LiveSession): boolean {
    const key = idHex(session.device);
    const entry = this.held.get(key);
    if (entry?.session !== session) return false;
    this.held.delete(key);
    this.track(
      entry.epoch
        .then((epoch) => this.deps.leases.releaseLease(session.device, epoch))
        .catch((error: unknown) => this.failed("releasing a lease", error)),
    );
    return true;
  }

  sessionOf(device: Id): LiveSession | undefined {
    return this.held.get(idHex(device))?.session;
  }

  wake(device: Id): void {
    const local = this.held.get(idHex(device));
    if (local !== undefined) local.session.wake();
    else this.hintHolder(device, { kind: "wake", device });
  }

  close(device: Id, code: number, reason: string): void {
    const local = this.held.get(idHex(device));
    if (local !== undefined) local.session.close(code, reason);
    else this.hintHolder(device, { kind: "close", device, code, belowEpoch: ANY_EPOCH });
  }

  async pushPresence(devices: readonly Id[], frame: Uint8Array): Promise<number> {
    let pushed = 0;
    const remote: Id[] = [];
    for (const device of devices) {
      const local = this.held.get(idHex(device));
      if (local === undefined) remote.push(device);
      else {
        local.session.pushPresence(frame);
        pushed += 1;
      }
    }
    if (remote.length > 0) await this.presenceElsewhere(remote, frame);
    return pushed;
  }

  async fencedPage(session: LiveSession, afterSeq: number, limit: number): Promise<QueueEntry[] | "stale"> {
    const key = idHex(session.device);
    const entry = this.held.get(key);
    if (entry?.session !== session) return "stale";
    const page = await this.deps.leases.fencedPage(session.device, await entry.epoch, afterSeq, limit);
    if (page === "stale") this.supersede(key, session);
    return page;
  }

  /** The epoch of the device's session here; NOT_HELD when it has none here (its deletions are then refused). */
  leaseEpoch(device: Id): Promise<number> {
    return this.held.get(idHex(device))?.epoch ?? Promise.resolve(NOT_HELD);
  }

  get size(): number {
    return this.held.size;
  }

  /**
   * Takes the device's lease after any earlier take for it here (so epochs follow attach order on
   * this instance), then tells a holder on another instance to close. A failure closes the session.
   */
  private takeLease(key: string, session: LiveSession): Promise<number> {
    const before = this.taking.get(key) ?? Promise.resolve();
    const taken = before
      .catch(() => undefined)
      .then(() => this.deps.leases.takeLease(session.device, this.deps.instance, this.clock()))
      .then(({ lease, previous }) => {
        if (previous !== undefined && previous.instance !== this.deps.instance) {
          const hint = { kind: "close" as const, device: session.device, code: 203, belowEpoch: lease.epoch };
          this.publish(previous.instance, encodeHint(hint));
        }
        return lease.epoch;
      });
    this.taking.set(key, taken);
    const forget = () => {
      if (this.taking.get(key) === taken) this.taking.delete(key);
    };
    taken.then(forget, (error: unknown) => {
      forget();
      this.failed("taking a lease", error);
      if (this.held.get(key)?.session === session) this.held.delete(key);
      session.close(CloseCode.internal, "store_unavailable");
    });
    return taken;
  }

  /** A newer session elsewhere holds the device: this one leaves without an offline notice and gets 203. */
  private supersede(key: string, session: LiveSession): void {
    if (this.held.get(key)?.session !== session) return;
    this.held.delete(key);
    this.stats.supersededHere += 1;
    session.close(CloseCode.superseded, "superseded");
  }

  private onHint(payload: string): void {
    this.stats.hintsReceived += 1;
    const hint = decodeHint(payload);
    if (hint === undefined) return;
    if (hint.kind === "wake") this.held.get(idHex(hint.device))?.session.wake();
    else if (hint.kind === "presence") {
      for (const device of hint.devices) this.held.get(idHex(device))?.session.pushPresence(hint.frame);
    } else void this.closeOnHint(hint);
  }

  private async closeOnHint(hint: Extract<ClusterHint, { kind: "close" }>): Promise<void> {
    const key = idHex(hint.device);
    const entry = this.held.get(key);
    if (entry === undefined) return;
    const epoch = await entry.epoch.catch(() => 0);
    if (epoch >= hint.belowEpoch) return;
    if (hint.code === CloseCode.superseded) this.supersede(key, entry.session);
    else entry.session.close(hint.code, hint.code === CloseCode.revoked ? "revoked" : "suspended");
  }

  private catchUp(): void {
    this.stats.catchUps += 1;
    for (const { session } of [...this.held.values()]) session.wake();
  }

  /** Sends `hint` to the instance holding `device`'s lease, if another one does. */
  private hintHolder(device: Id, hint: ClusterHint): void {
    this.track(
      this.deps.leases
        .getLease(device)
        .then((lease) => {
          if (lease !== undefined && lease.instance !== this.deps.instance) {
            this.publish(lease.instance, encodeHint(hint));
          }
        })
        .catch((error: unknown) => this.failed("finding a lease", error)),
    );
  }

  private async presenceElsewhere(devices: Id[], frame: Uint8Array): Promise<void> {
    const byInstance = new Map<string, Id[]>();
    const leases = await Promise.all(devices.map((device) => this.deps.leases.getLease(device)));
    leases.forEach((lease, index) => {
      if (lease === undefined || lease.instance === this.deps.instance) return;
      const list = byInstance.get(lease.instance) ?? [];
      list.push(devices[index] as Id);
      byInstance.set(lease.instance, list);
    });
    for (const [instance, list] of byInstance) {
      for (const text of presenceHints(frame, list)) this.publish(instance, text);
    }
  }

  private publish(instance: string, payload: string): void {
    this.stats.hintsSent += 1;
    this.track(
      this.deps.hints
        .publish(hintChannel(instance), payload)
        .catch((error: unknown) => this.failed("sending a hint", error)),
    );
  }

  private track(work: Promise<unknown>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  private failed(what: string, error: unknown): void {
    this.deps.onError?.(what, error);
  }
}
