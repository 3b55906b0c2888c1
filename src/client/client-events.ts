import type { AckBody } from "../protocol/ack.ts";
import type { MessageContent } from "../protocol/e2e-content.ts";
import type { NcpClientError } from "./client-error.ts";
import type { ChainObserver, DeviceKeys } from "./device-messaging.ts";
import type { ConnectOptions } from "./ncp-client.ts";
import { type BackoffSchedule, NCP_BACKOFF } from "./reconnect-policy.ts";
import type { SeenStore } from "./seen-store.ts";
import type { SendChains } from "./send-chains.ts";
import type { SessionLimits } from "./session-lifetime.ts";

/** What an authenticated session hands up: pushed frames, unmatched acks and errors, its end. */
export interface SessionHandlers {
  /** A 0x10 delivered to this device (inner frame). */
  delivery(inner: Uint8Array): void;
  /** A 0x11 that answers no request: status 0 of a send (IKs-verified), or a receipt. */
  ack(ack: AckBody, inner: Uint8Array): void;
  /** A 0x20 pushed to this device. */
  presence(inner: Uint8Array): void;
  /** A non-fatal Error frame that answers no request (its ref names a 0x10, say). */
  refusal(error: NcpClientError): void;
  /** §7.2 soft expiry: time to make a new session before this one breaks. */
  softExpired(): void;
  closed(error: NcpClientError): void;
}

/** Client timeouts: requests (and KEYED, 30 s to receive 0x04, §7.1) and the §6.7 keepalive. */
export interface SessionTiming {
  requestTimeoutMs: number;
  pingIntervalMs: number;
}

/** The client timeouts NCP-1 gives: 30 s for a reply (and for the 0x04, §7.1), keepalive after 60 s (§6.7). */
export const NCP_SESSION_TIMING: SessionTiming = { requestTimeoutMs: 30_000, pingIntervalMs: 60_000 };

/** A verified, decrypted message to show (§8.5). Ids are hex. */
export interface InboundMessage {
  messageId: string;
  senderId: string;
  senderUser: string;
  conversation: string;
  sequence: bigint;
  /** The sender's header timestamp (ms). */
  sentAtMs: number;
  content: MessageContent;
  /** Earlier messages of this chain are missing (§8.5 "accept and note the gap"). */
  gap: boolean;
  urgent: boolean;
}

/** A delivered 0x10 that was discarded and acked with status 3; `alert` on a broken chain. */
export interface RejectedMessage {
  messageId: string;
  senderId: string;
  reason: string;
  alert: boolean;
}

/** An ack about a message this device sent: 1/2 from its recipient, 3 from it or the server. */
export interface Receipt {
  ref: string;
  status: number;
  /** The acking device (hex), or "server" for an expiry or revocation notice. */
  by: string;
  eventTimeMs: number;
}

/** A verified presence update of another device. */
export interface PresenceUpdate {
  deviceId: string;
  userId: string;
  status: number;
  message: string;
  lastActiveMs: number;
}

/** What the receive side reports. */
export interface InboundEvents {
  message(message: InboundMessage): void;
  rejected(rejected: RejectedMessage): void;
  receipt(receipt: Receipt): void;
  presence(update: PresenceUpdate): void;
  problem(error: Error): void;
}

/** Every client clock; NCP-1's values by default (tests shorten them). */
export interface ClientTiming extends SessionTiming {
  resendAfterMs: number;
  directoryTtlMs: number;
  backoff: BackoffSchedule;
}

/** NCP-1's clocks (resend after 30 s, §8.3; §9 backoff; 30 s replies, 60 s keepalive), with `overrides`. */
export function clientTiming(overrides: Partial<ClientTiming> = {}): ClientTiming {
  return {
    ...NCP_SESSION_TIMING,
    resendAfterMs: 30_000,
    directoryTtlMs: 60_000,
    backoff: NCP_BACKOFF,
    ...overrides,
  };
}

/** What the client reports: the receive side's events and the connection's ups and downs. */
export interface ClientEvents extends InboundEvents {
  online(limits: SessionLimits): void;
  offline(error: NcpClientError, retryInMs: number): void;
  stopped(error: NcpClientError): void;
}

/** A device's messaging client; stores default to memory (`seen` is the §8.3 recipient dedupe). */
export interface MessagingClientOptions {
  server: ConnectOptions;
  keys: DeviceKeys;
  seen?: SeenStore;
  chains?: ChainObserver;
  sendChains?: SendChains;
  timing?: Partial<ClientTiming>;
  random?: () => number;
}
