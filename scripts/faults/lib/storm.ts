/**
 * The send storm of the fault scenarios: N sender -> recipient device pairs over the client library
 * (MessagingClient: resends until status 0, reconnects with backoff, recipients ack deliveries).
 * Senders send continuously; every message id whose 0x10 got status 0 is "acked". After a fault,
 * the clients reconnect on their own (a client that gave up is made again with the same keys and
 * stores) and drain. `report()` says sent / acked / delivered / missing (acked, never delivered).
 */
import type { InboundMessage, RejectedMessage } from "../../../src/client/client-events.ts";
import { type DeviceKeys, deviceKeys } from "../../../src/client/device-messaging.ts";
import { MessagingClient } from "../../../src/client/messaging-client.ts";
import type { ConnectOptions } from "../../../src/client/ncp-client.ts";
import { registerDevice } from "../../../src/client/open-session.ts";
import { MemorySeenStore } from "../../../src/client/seen-store.ts";
import { SendChains } from "../../../src/client/send-chains.ts";
import { randomBytes, utf8 } from "../../../src/protocol/bytes.ts";
import type { DirectoryEntry } from "../../../src/protocol/directory.ts";
import { ChainTracker } from "../../../src/protocol/send-chain.ts";

/** How hard the storm blows. */
export interface StormOptions {
  pairs: number;
  /** Messages each sender hands its client per tick (default 2) ... */
  perTick?: number;
  /** ... every `tickMs` (default 20). */
  tickMs?: number;
  /** A sender holds back while this many of its messages wait for status 0 (default 256). */
  maxUnacked?: number;
  /** The last this many recipients stay offline (their queues grow) until `online()` (default 0). */
  offline?: number;
}

/** The counts of a storm. Ids are hex message ids. */
export interface StormReport {
  sent: number;
  acked: number;
  delivered: number;
  /** Acked and never delivered (neither shown nor discarded by the recipient): must be 0. */
  missing: number;
  /** Delivered, but discarded by the recipient's checks (§8.5: a chain out of order, say). */
  rejected: number;
  /** Delivered again after being shown (at least once delivery), absorbed by the recipients' dedupe. */
  redelivered: number;
  /** Shown twice by a recipient (its dedupe failed). */
  duplicates: number;
  /** Delivered but never sent by the storm. */
  strangers: number;
  /** Handed to a client that gave up before status 0 (not acked, so not owed). */
  failed: number;
  /** Client sessions made after the first ones (reconnects and clients made again). */
  reconnects: number;
}

const CONVERSATION = new Uint8Array(32).fill(9);
const TIMING = {
  resendAfterMs: 3_000,
  requestTimeoutMs: 5_000,
  backoff: { baseMs: 50, maxMs: 500, jitter: 0.2 },
};

/** The recipient's dedupe store (§8.3), counting the redeliveries it absorbs. */
class CountingSeenStore extends MemorySeenStore {
  redelivered = 0;

  override has(messageId: string): boolean {
    const seen = super.has(messageId);
    if (seen) this.redelivered++;
    return seen;
  }
}

/** One device: its keys, stores that outlive its client, and the client now in use. */
class Device {
  client?: MessagingClient;
  readonly chains = new SendChains();
  readonly seen = new CountingSeenStore();
  readonly tracker = new ChainTracker();
  sessions = 0;
  started = false;
  private closed = false;

  constructor(
    readonly keys: DeviceKeys,
    private readonly server: ConnectOptions,
    private readonly onMessage: (message: InboundMessage) => void,
    private readonly onRejected: (rejected: RejectedMessage) => void,
  ) {}

  /** Makes a client and starts it, again every 200 ms until it is up; again whenever it gives up. */
  async run(): Promise<void> {
    this.started = true;
    while (!this.closed) {
      const client = new MessagingClient({
        server: this.server,
        keys: this.keys,
        seen: this.seen,
        chains: this.tracker,
        sendChains: this.chains,
        timing: TIMING,
      });
      client.events.message = (message) => this.onMessage(message);
      client.events.rejected = (rejected) => this.onRejected(rejected);
      client.events.online = () => this.sessions++;
      let up = false;
      client.events.stopped = () => {
        if (this.client === client) this.client = undefined;
        if (up && !this.closed) setTimeout(() => void this.run(), 200);
      };
      this.client = client;
      up = await client.start().then(
        () => true,
        () => false,
      );
      if (up) return;
      await Bun.sleep(200);
    }
  }

  close(): void {
    this.closed = true;
    this.client?.close();
  }
}

/** A running storm; `Storm.create` registers the devices (open registration) and connects them. */
export class Storm {
  readonly sent = new Set<string>();
  readonly acked = new Set<string>();
  readonly delivered = new Map<string, number>();
  /** Delivered and discarded by the recipient (§8.5), with the reason. */
  readonly rejected = new Map<string, string>();
  failed = 0;
  private running = false;
  private loops: Promise<void>[] = [];

  private constructor(
    private readonly senders: Device[],
    private readonly recipients: Device[],
    private readonly entries: DirectoryEntry[],
    private readonly options: Required<StormOptions>,
  ) {}

  static async create(server: ConnectOptions, options: StormOptions): Promise<Storm> {
    const register = async (user: string) => {
      const keys = deviceKeys(randomBytes(32));
      const { outcome } = await registerDevice(server, keys, { userId: user, deviceInfo: "fault storm" });
      if (outcome !== "active") throw new Error(`registration of ${user} is ${outcome}`);
      return keys;
    };
    const names = Array.from({ length: options.pairs }, (_, i) => i);
    const senderKeys = await Promise.all(names.map((i) => register(`storm-sender-${i}`)));
    const recipientKeys = await Promise.all(names.map((i) => register(`storm-recipient-${i}`)));
    let storm: Storm | undefined;
    const onMessage = (message: InboundMessage) => storm?.onDelivery(message);
    const onRejected = (rejected: RejectedMessage) =>
      storm?.rejected.set(rejected.messageId, rejected.reason);
    const senders = senderKeys.map((keys) => new Device(keys, server, onMessage, onRejected));
    const recipients = recipientKeys.map((keys) => new Device(keys, server, onMessage, onRejected));
    const online = recipients.slice(0, options.pairs - (options.offline ?? 0));
    await Promise.all([...senders, ...online].map((device) => device.run()));
    const entries = await Promise.all(
      recipients.map(async (recipient, i) => {
        const [entry] =
          (await senders[i]?.client?.lookup({ kind: 1, deviceIds: [recipient.keys.deviceId] })) ?? [];
        if (entry === undefined) throw new Error("no directory entry for a storm recipient");
        return entry;
      }),
    );
    const full = { perTick: 2, tickMs: 20, maxUnacked: 256, offline: 0, ...options };
    storm = new Storm(senders, recipients, entries, full);
    return storm;
  }

  /** Starts every sender's loop. */
  start(): void {
    this.running = true;
    this.loops = this.senders.map((sender, i) => this.sendLoop(sender, this.entries[i] as DirectoryEntry, i));
  }

  /** Stops sending (clients stay up, resending what waits for status 0). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /**
   * Closes every running client; each is made again at once with the same keys and stores, and its
   * new session syncs its clock (0x33) before 0x03, as every session of the client library does.
   */
  resync(): void {
    for (const device of [...this.senders, ...this.recipients]) if (device.started) device.client?.close();
  }

  /** Brings the offline recipients online. */
  async online(): Promise<void> {
    await Promise.all(this.recipients.filter((device) => !device.started).map((device) => device.run()));
  }

  /** Sessions made so far, per device (for `reconnected`). */
  sessions(): number[] {
    return [...this.senders, ...this.recipients].map((device) => device.sessions);
  }

  /** True once every online device has made a session since `before` (from `sessions()`), within `timeoutMs`. */
  async reconnected(before: number[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const devices = [...this.senders, ...this.recipients];
    while (devices.some((device, i) => device.started && device.sessions <= (before[i] ?? 0))) {
      if (Date.now() > deadline) return false;
      await Bun.sleep(20);
    }
    return true;
  }

  /** True once `count` more messages than `ackedBefore` have been acked (within `timeoutMs`): traffic flows. */
  async flowing(ackedBefore: number, count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked.size < ackedBefore + count) {
      if (Date.now() > deadline) return false;
      await Bun.sleep(20);
    }
    return true;
  }

  /** Of `ids`, those not delivered within `timeoutMs` (polled every 50 ms). */
  /**
   * After a restart: every client of `sessions` back, `count` new status 0 beyond the acks of
   * `owed`, and every id of `owed` delivered, each within 30 s; the problems, empty when recovered.
   */
  async recovered(owed: Set<string>, sessions: number[], count: number): Promise<string[]> {
    const problems: string[] = [];
    if (!(await this.reconnected(sessions, 30_000)))
      problems.push("not every client back within 30 s of serving again");
    if (!(await this.flowing(owed.size, count, 30_000)))
      problems.push("no new status 0 within 30 s of serving again");
    const missing = await this.undelivered(owed, 30_000);
    if (missing.length > 0) problems.push(`${missing.length} of ${owed.size} acked not delivered`);
    return problems;
  }

  async undelivered(ids: Iterable<string>, timeoutMs: number): Promise<string[]> {
    const owed = [...ids];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = owed.filter((id) => !this.delivered.has(id) && !this.rejected.has(id));
      if (left.length === 0 || Date.now() > deadline) return left;
      await Bun.sleep(50);
    }
  }

  /** After stop(): waits (up to `timeoutMs`) until no message waits for status 0 and every acked one arrived. */
  async drain(timeoutMs: number): Promise<StormReport> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.senders.some((s) => (s.client?.unaccepted ?? 1) > 0))
      await Bun.sleep(50);
    await this.undelivered(this.acked, Math.max(0, deadline - Date.now()));
    return this.report();
  }

  report(): StormReport {
    const devices = [...this.senders, ...this.recipients];
    let duplicates = 0;
    let strangers = 0;
    for (const [id, count] of this.delivered) {
      duplicates += count - 1;
      if (!this.sent.has(id)) strangers++;
    }
    return {
      sent: this.sent.size,
      acked: this.acked.size,
      delivered: this.delivered.size,
      missing: [...this.acked].filter((id) => !this.delivered.has(id) && !this.rejected.has(id)).length,
      rejected: this.rejected.size,
      redelivered: this.recipients.reduce((sum, d) => sum + d.seen.redelivered, 0),
      duplicates,
      strangers,
      failed: this.failed,
      reconnects: devices.reduce((sum, d) => sum + Math.max(0, d.sessions - 1), 0),
    };
  }

  /** Closes every client. */
  close(): void {
    this.running = false;
    for (const device of [...this.senders, ...this.recipients]) device.close();
  }

  private onDelivery(message: InboundMessage): void {
    this.delivered.set(message.messageId, (this.delivered.get(message.messageId) ?? 0) + 1);
  }

  private async sendLoop(sender: Device, to: DirectoryEntry, index: number): Promise<void> {
    let n = 0;
    while (this.running) {
      const client = sender.client;
      for (
        let i = 0;
        client && i < this.options.perTick && client.unaccepted < this.options.maxUnacked;
        i++
      ) {
        const message = client.send(
          to,
          { contentType: 1, metadata: [], body: utf8(`s${index} #${n++}`) },
          CONVERSATION,
        );
        this.sent.add(message.messageId);
        message.accepted.then(
          () => this.acked.add(message.messageId),
          () => this.failed++,
        );
      }
      await Bun.sleep(this.options.tickMs);
    }
  }
}

/** One line of a report, for the scenarios' output. */
export function formatReport(report: StormReport): string {
  return Object.entries(report)
    .map(([key, value]) => `${key} ${value}`)
    .join(", ");
}
