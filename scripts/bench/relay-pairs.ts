import { composeMessage, type DeviceKeys, deviceKeys } from "../../src/client/device-messaging.ts";
import type { DeviceSession } from "../../src/client/device-session.ts";
import type { ConnectOptions } from "../../src/client/ncp-client.ts";
import { openDeviceSession, registerDevice } from "../../src/client/open-session.ts";
import { AckStatus, buildClientAck, isServerAck } from "../../src/protocol/ack.ts";
import { randomBytes, toHex } from "../../src/protocol/bytes.ts";
import type { DirectoryEntry } from "../../src/protocol/directory.ts";
import { encodeContent, type MessageContent, paddedPayloadLength } from "../../src/protocol/e2e-content.ts";
import { decodeHeader } from "../../src/protocol/header.ts";
import { checkSendSignature, decodeSend } from "../../src/protocol/send.ts";
import { SendChain } from "../../src/protocol/send-chain.ts";

/** The largest 1 KiB content whose PAD-PROFILE-1 payload is the 1 KiB bucket (1,276-byte frames). */
export function kibContent(): MessageContent {
  let body = 1024;
  const content = (size: number) => ({
    contentType: 0,
    metadata: [] as [string, string][],
    body: randomBytes(size),
  });
  while (paddedPayloadLength(encodeContent(content(body)).length, "PAD-PROFILE-1") > 1024) body--;
  return content(body);
}

const TIMING = { requestTimeoutMs: 30_000, pingIntervalMs: 600_000 };
const CONVERSATION = new Uint8Array(32).fill(9);

/** What a pair's recipient does with each delivered frame: called after its signature verified. */
export type DeliveryHook = (messageId: string, atMs: number) => void;

/**
 * One sender → recipient pair of registered, authenticated devices (client library sessions). The
 * recipient decodes each delivered 0x10, verifies its signature (§8.5), then acks status 1.
 */
export class RelayPair {
  readonly accepted = new Set<string>();
  readonly refused: string[] = [];
  private readonly chain = new SendChain();
  private readonly composed: Uint8Array[] = [];
  onDelivered: DeliveryHook = () => {};

  private constructor(
    private readonly sender: DeviceKeys,
    private readonly recipient: DeviceKeys,
    private readonly senderSession: DeviceSession,
    private readonly recipientSession: DeviceSession,
    private readonly entry: DirectoryEntry,
    private readonly content: MessageContent,
  ) {
    senderSession.handlers.ack = (ack) => {
      if (isServerAck(ack) && ack.status === AckStatus.accepted) this.accepted.add(toHex(ack.refMessageId));
    };
    senderSession.handlers.refusal = (error) => this.refused.push(error.message);
    recipientSession.handlers.delivery = (inner) => this.deliver(inner);
  }

  /**
   * Registers both devices (open policy), opens and authenticates their sessions, looks up the
   * recipient. The recipient may be on another server (`recipientServer`: a cluster's other instance).
   */
  static async open(
    server: ConnectOptions,
    name: string,
    content: MessageContent,
    recipientServer = server,
  ): Promise<RelayPair> {
    const [sender, recipient] = [deviceKeys(randomBytes(32)), deviceKeys(randomBytes(32))];
    for (const [keys, user] of [
      [sender, `${name}-s`],
      [recipient, `${name}-r`],
    ] as const) {
      const { outcome } = await registerDevice(server, keys, { userId: user, deviceInfo: "bench" }, TIMING);
      if (outcome !== "active") throw new Error(`registration of ${user} is ${outcome}`);
    }
    const senderSession = await openDeviceSession(server, sender, TIMING);
    const recipientSession = await openDeviceSession(recipientServer, recipient, TIMING);
    await senderSession.authenticate();
    await recipientSession.authenticate();
    const [entry] = await senderSession.lookup({ kind: 1, deviceIds: [recipient.deviceId] });
    if (entry === undefined) throw new Error("no directory entry for the recipient");
    return new RelayPair(sender, recipient, senderSession, recipientSession, entry, content);
  }

  /** Seals and signs `count` messages ahead (E2E payload, chain, signature), so sending is only a record. */
  compose(count: number): void {
    for (let i = 0; i < count; i++) this.composed.push(this.composeOne());
  }

  /** Writes the next message (composed ahead if any is left); returns its message_id (hex). */
  sendNext(): string {
    const inner = this.composed.shift() ?? this.composeOne();
    this.senderSession.send(inner);
    return toHex(decodeHeader(inner).messageId);
  }

  /** Frames composed ahead and not yet sent. */
  get ahead(): number {
    return this.composed.length;
  }

  close(): void {
    this.senderSession.close();
    this.recipientSession.close();
  }

  private composeOne(): Uint8Array {
    const message = {
      conversation: CONVERSATION,
      content: this.content,
      chain: this.chain,
      pad: "PAD-PROFILE-1" as const,
    };
    return composeMessage(this.sender, this.entry, message, this.senderSession.stamp()).inner;
  }

  private deliver(inner: Uint8Array): void {
    const body = decodeSend(inner);
    checkSendSignature(body, this.sender.publicKey);
    const messageId = decodeHeader(inner).messageId;
    this.onDelivered(toHex(messageId), performance.now());
    const stamp = this.recipientSession.stamp();
    const fields = {
      refMessageId: messageId,
      status: AckStatus.delivered,
      eventTimeMs: stamp.timestampMs as bigint,
      targetId: body.senderId,
    };
    this.recipientSession.send(buildClientAck(stamp, fields, this.recipient.signing));
  }
}
