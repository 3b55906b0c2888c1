import { type AckBody, AckStatus, buildClientAck, isServerAck } from "../protocol/ack.ts";
import { fromHex, toHex } from "../protocol/bytes.ts";
import type { DirectoryEntry, KeyRequest } from "../protocol/directory.ts";
import type { MessageContent } from "../protocol/e2e-content.ts";
import { ChainTracker } from "../protocol/send-chain.ts";
import type { Suite } from "../protocol/suite.ts";
import { NcpClientError } from "./client-error.ts";
import {
  type ClientEvents,
  type ClientTiming,
  clientTiming,
  type MessagingClientOptions,
} from "./client-events.ts";
import type { ConnectionInfo } from "./client-protocol.ts";
import { composeMessage, restampMessage } from "./device-messaging.ts";
import type { DeviceSession } from "./device-session.ts";
import { DirectoryCache } from "./directory-cache.ts";
import { Inbound } from "./inbound.ts";
import { Outbox } from "./outbox.ts";
import { MemorySeenStore } from "./seen-store.ts";
import { SendChains } from "./send-chains.ts";
import type { SessionLimits } from "./session-lifetime.ts";
import { SessionSupervisor } from "./session-supervisor.ts";

export type { ClientEvents, ClientTiming, MessagingClientOptions } from "./client-events.ts";

/** What a message was sealed from, and the sequence it was last sealed with. */
interface Draft {
  recipient: DirectoryEntry;
  content: MessageContent;
  conversation: Uint8Array;
  sequence: bigint;
}

/** A message handed to the client: its id, and a promise of the server's status 0 (§8.2). */
export interface OutgoingMessage {
  messageId: string;
  recipientId: string;
  accepted: Promise<void>;
}

/**
 * The NCP-1 client of one device: keeps a session up (§7.2, §9), sends with resends until status
 * 0 (§8.3), receives with the §8.5 checks and acks, and reports receipts and presence.
 */
export class MessagingClient {
  readonly events: Partial<ClientEvents> = {};
  private readonly timing: ClientTiming;
  private readonly outbox: Outbox;
  private readonly supervisor: SessionSupervisor;
  private readonly directory: DirectoryCache;
  private readonly inbound: Inbound;
  private readonly sendChains: SendChains;
  private pad: Suite["pad"] = "PAD-PROFILE-1";
  private pumpTimer?: ReturnType<typeof setTimeout>;
  /** What each unaccepted message was composed from, to seal it again after a refusal. */
  private readonly drafts = new Map<string, Draft>();

  constructor(private readonly options: MessagingClientOptions) {
    this.timing = clientTiming(options.timing);
    this.outbox = new Outbox({ resendAfterMs: this.timing.resendAfterMs });
    this.sendChains = options.sendChains ?? new SendChains();
    this.directory = new DirectoryCache((request) => this.lookup(request), this.timing.directoryTtlMs);
    this.supervisor = new SessionSupervisor({
      server: options.server,
      keys: options.keys,
      timing: this.timing,
      backoff: this.timing.backoff,
      random: options.random ?? Math.random,
      wire: (session) => this.wire(session),
      online: (session, limits) => this.onOnline(session, limits),
      offline: (error, retryInMs) => {
        this.outbox.connectionLost();
        this.events.offline?.(error, retryInMs);
      },
      stopped: (error) => {
        clearTimeout(this.pumpTimer);
        this.outbox.failAll(error);
        this.events.stopped?.(error);
      },
    });
    this.inbound = new Inbound({
      me: options.keys,
      directory: this.directory,
      seen: options.seen ?? new MemorySeenStore(),
      chains: options.chains ?? new ChainTracker(),
      serverKey: () => this.session()?.connection.serverKey ?? new Uint8Array(32),
      stamp: () => this.session()?.stamp() ?? {},
      sendAck: (inner) => this.sendQuietly(inner),
      events: this.events,
    });
  }

  /** Connects and authenticates once; rejects (without retrying) when that fails. */
  start(): Promise<SessionLimits> {
    return this.supervisor.start();
  }

  /** A directory request (0x30) on the current session; waits out a 502 and a reconnect. */
  async lookup(request: KeyRequest): Promise<DirectoryEntry[]> {
    const entries = await this.supervisor.retrying((session) => session.lookup(request));
    this.directory.remember(entries);
    return entries;
  }

  /** Seals `content` to `recipient` (an active entry) on its chain and sends it until status 0. */
  send(recipient: DirectoryEntry, content: MessageContent, conversation: Uint8Array): OutgoingMessage {
    const draft = { recipient, content, conversation };
    const composed = this.seal(draft);
    const id = toHex(composed.messageId);
    const chainKey = SendChains.keyOf(recipient.deviceId, conversation);
    const accepted = this.outbox.add(composed.messageId, composed.inner, chainKey);
    this.drafts.set(id, { ...draft, sequence: composed.sequence });
    const forget = () => this.drafts.delete(id);
    accepted.then(forget, forget);
    this.pump();
    return { messageId: id, recipientId: toHex(recipient.deviceId), accepted };
  }

  /** Revokes `deviceId` (this device or another of its user) with 0x05; resolves on status 0. */
  async revoke(deviceId: Uint8Array, reason: number): Promise<void> {
    await this.supervisor.retrying((session) => session.revoke(deviceId, reason));
  }

  /** Publishes this device's presence (0x20); a refusal is reported as a problem. */
  async setPresence(status: number, message = ""): Promise<void> {
    (await this.supervisor.online()).setPresence(status, message);
  }

  /** Acks status 2 READ for a message shown to the user (§6.6). */
  markRead(messageId: Uint8Array, senderId: Uint8Array): void {
    const session = this.session();
    if (session === undefined) throw new NcpClientError("closed", "not connected");
    const stamp = session.stamp();
    const fields = {
      refMessageId: messageId,
      status: AckStatus.read,
      eventTimeMs: stamp.timestampMs as bigint,
      targetId: senderId,
    };
    session.send(buildClientAck(stamp, fields, this.options.keys.signing));
  }

  /** What the current connection's handshake settled (identity check, algset, TLS), if online. */
  get connectionInfo(): ConnectionInfo | undefined {
    return this.session()?.connection.info;
  }

  /** Messages handed to send() and not yet accepted. */
  get unaccepted(): number {
    return this.outbox.size;
  }

  /** Resolves once every frame received so far has been handled (and acked). */
  idle(): Promise<void> {
    return this.inbound.idle();
  }

  /** Stops: no reconnect; unaccepted messages fail with kind "closed". */
  close(): void {
    this.supervisor.stop(new NcpClientError("closed", "the client was closed"));
  }

  /**
   * Seals `draft` on its chain's next link (with `messageId` when it is sealed again) and moves the
   * chain past it.
   */
  private seal(draft: Omit<Draft, "sequence">, messageId?: Uint8Array) {
    const { recipient, conversation, content } = draft;
    const chain = this.sendChains.chain(recipient.deviceId, conversation);
    const sequence = chain.next().sequence;
    const message = { conversation, content, chain, pad: this.pad };
    const composed = composeMessage(this.options.keys, recipient, message, { messageId });
    this.sendChains.saved(recipient.deviceId, conversation, chain);
    return { ...composed, sequence };
  }

  /**
   * A 502/500 refused `ref`, so nothing was stored (or, for a 500 whose commit is in doubt, it was
   * and a resend gets status 0 again by message_id). When later messages of its chain were composed
   * since (and may be accepted before the resend), it is sealed again with the same message_id at
   * the chain's end; resent as it was, the recipient would discard it as stale (§8.5).
   */
  private resealIfPassed(ref: string): void {
    const draft = this.drafts.get(ref);
    if (draft === undefined) return;
    const chain = this.sendChains.chain(draft.recipient.deviceId, draft.conversation);
    if (chain.next().sequence === draft.sequence + 1n) return;
    const resealed = this.seal(draft, fromHex(ref));
    if (this.outbox.resealed(ref, resealed.inner)) draft.sequence = resealed.sequence;
  }

  /** Writes an ack if a session is up; a lost ack only means a redelivery, which dedupe absorbs. */
  private sendQuietly(inner: Uint8Array): void {
    try {
      this.session()?.send(inner);
    } catch {
      // the connection just ended: the entry is pushed again on the next session
    }
  }

  private session(): DeviceSession | undefined {
    return this.supervisor.current;
  }

  private wire(session: DeviceSession): void {
    session.handlers.delivery = (inner) => this.inbound.delivery(inner);
    session.handlers.presence = (inner) => this.inbound.presence(inner);
    session.handlers.ack = (ack) => this.onAck(ack);
    session.handlers.refusal = (error) => {
      const ref = error.details.ref;
      const outcome = ref === undefined ? "unknown" : this.outbox.refused(ref, error, Date.now());
      if (outcome === "unknown") this.events.problem?.(error);
      if (outcome === "retry") this.resealIfPassed(ref as string);
      this.pump();
    };
  }

  private onOnline(session: DeviceSession, limits: SessionLimits): void {
    const pad = /\|pad=(PAD-PROFILE-[14])$/.exec(session.connection.info.algset)?.[1];
    this.pad = (pad ?? "PAD-PROFILE-4") as Suite["pad"];
    this.outbox.connectionLost();
    this.events.online?.(limits);
    this.pump();
  }

  private onAck(ack: AckBody): void {
    if (isServerAck(ack) && ack.status === AckStatus.accepted) {
      if (!this.outbox.accepted(toHex(ack.refMessageId))) return;
      this.pump();
    } else this.inbound.receipt(ack);
  }

  /** Writes what the outbox says is due, and wakes up when the next resend or retry is. */
  private pump(): void {
    clearTimeout(this.pumpTimer);
    const session = this.session();
    if (session === undefined) return;
    try {
      for (const entry of this.outbox.takeDue(Date.now())) {
        session.send(restampMessage(entry.inner, this.options.keys, session.stamp().timestampMs as bigint));
      }
    } catch {
      this.outbox.connectionLost();
      return;
    }
    const next = this.outbox.nextDueMs();
    if (next !== undefined) this.pumpTimer = setTimeout(() => this.pump(), Math.max(1, next - Date.now()));
  }
}
