import { type AckBody, AckStatus, buildClientAck, checkAckSignature, isServerAck } from "../protocol/ack.ts";
import { toHex } from "../protocol/bytes.ts";
import { DeviceState, isGenuineEntry } from "../protocol/directory.ts";
import { decodeHeader, FLAG_URGENT, HEADER_SIZE } from "../protocol/header.ts";
import {
  checkPresenceSignature,
  decodePresence,
  isNewerPresence,
  type PresenceBody,
} from "../protocol/presence.ts";
import { decodeSend, type SendBody } from "../protocol/send.ts";
import type { FrameStamp } from "../protocol/signed-frame.ts";
import type { InboundEvents } from "./client-events.ts";
import { type ChainObserver, type DeviceKeys, receiveMessage } from "./device-messaging.ts";
import type { DirectoryCache } from "./directory-cache.ts";
import { DEDUPE_WINDOW_MS, type SeenStore } from "./seen-store.ts";

/** What the receive side needs from the client around it. */
export interface InboundDeps {
  me: DeviceKeys;
  directory: DirectoryCache;
  seen: SeenStore;
  chains: ChainObserver;
  serverKey(): Uint8Array;
  stamp(): FrameStamp;
  sendAck(inner: Uint8Array): void;
  events: Partial<InboundEvents>;
}

/**
 * The recipient rules (§8.3, §8.5) over pushed frames, one at a time in arrival order: dedupe by
 * message_id, the sender's key from 0x31, verify, decrypt, chain; every 0x10 is acked 1 or 3.
 * Receipts and presence are verified with the acker's or device's key (or IKs) before reporting.
 */
export class Inbound {
  private tail: Promise<void> = Promise.resolve();
  private readonly presenceHeld = new Map<string, PresenceBody>();

  constructor(private readonly deps: InboundDeps) {}

  delivery(inner: Uint8Array): void {
    this.serial(() => this.onDelivery(inner));
  }

  receipt(ack: AckBody): void {
    this.serial(() => this.onReceipt(ack));
  }

  presence(inner: Uint8Array): void {
    this.serial(() => this.onPresence(inner));
  }

  /** Resolves once everything received so far has been handled. */
  idle(): Promise<void> {
    return this.tail;
  }

  private serial(work: () => Promise<void>): void {
    this.tail = this.tail.then(work).catch((error) => this.deps.events.problem?.(error as Error));
  }

  private ack(messageId: Uint8Array, senderId: Uint8Array, status: number): void {
    const stamp = this.deps.stamp();
    const fields = {
      refMessageId: messageId,
      status,
      eventTimeMs: stamp.timestampMs ?? BigInt(Date.now()),
      targetId: senderId,
    };
    this.deps.sendAck(buildClientAck(stamp, fields, this.deps.me.signing));
  }

  private reject(inner: Uint8Array, senderId: Uint8Array, reason: string): void {
    const messageId = decodeHeader(inner).messageId;
    this.deps.events.rejected?.({
      messageId: toHex(messageId),
      senderId: toHex(senderId),
      reason,
      alert: false,
    });
    this.ack(messageId, senderId, AckStatus.failed);
  }

  private async onDelivery(inner: Uint8Array): Promise<void> {
    const header = decodeHeader(inner);
    const id = toHex(header.messageId);
    let body: SendBody;
    try {
      body = decodeSend(inner);
    } catch {
      if (inner.length >= HEADER_SIZE + 32)
        this.reject(inner, inner.slice(HEADER_SIZE, HEADER_SIZE + 32), "format");
      return;
    }
    if (await this.deps.seen.has(id)) return this.ack(header.messageId, body.senderId, AckStatus.delivered);
    const sender = await this.deps.directory.device(body.senderId);
    if (sender === undefined || !isGenuineEntry(sender))
      return this.reject(inner, body.senderId, "unknown_sender");
    if (sender.state === DeviceState.revoked) return this.reject(inner, body.senderId, "sender_revoked");
    const stamp = this.deps.stamp();
    const result = receiveMessage(inner, this.deps.me, sender.publicKey, this.deps.chains, stamp);
    if (result.content !== undefined) {
      this.deps.events.message?.({
        messageId: id,
        senderId: toHex(body.senderId),
        senderUser: sender.userId,
        conversation: toHex(body.conversation),
        sequence: body.sequence,
        sentAtMs: Number(header.timestampMs),
        content: result.content,
        gap: result.verdict === "gap",
        urgent: (header.flags & FLAG_URGENT) !== 0,
      });
      const nowMs = Number(stamp.timestampMs);
      await this.deps.seen.add(id, nowMs);
      await this.deps.seen.prune(nowMs - DEDUPE_WINDOW_MS);
    } else {
      const reason = result.reason ?? result.verdict;
      const alert = result.verdict === "broken";
      this.deps.events.rejected?.({ messageId: id, senderId: toHex(body.senderId), reason, alert });
    }
    this.deps.sendAck(result.ack);
  }

  private async onReceipt(ack: AckBody): Promise<void> {
    if (!isServerAck(ack)) {
      const acker = await this.deps.directory.device(ack.ackerId);
      checkAckSignature(ack, { iks: this.deps.serverKey(), acker: acker?.publicKey });
    }
    this.deps.events.receipt?.({
      ref: toHex(ack.refMessageId),
      status: ack.status,
      by: isServerAck(ack) ? "server" : toHex(ack.ackerId),
      eventTimeMs: Number(ack.eventTimeMs),
    });
  }

  private async onPresence(inner: Uint8Array): Promise<void> {
    const body = decodePresence(inner);
    const device = await this.deps.directory.device(body.deviceId);
    if (device === undefined) throw new Error(`presence of an unknown device ${toHex(body.deviceId)}`);
    checkPresenceSignature(body, { device: device.publicKey, iks: this.deps.serverKey() });
    const id = toHex(body.deviceId);
    if (!isNewerPresence(this.presenceHeld.get(id), body)) return;
    this.presenceHeld.set(id, body);
    const { status, message } = body;
    this.deps.events.presence?.({
      deviceId: id,
      userId: device.userId,
      status,
      message,
      lastActiveMs: Number(body.lastActiveMs),
    });
  }
}
