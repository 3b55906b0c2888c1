import { type AckBody, checkAckSignature, decodeAck, isServerAck } from "../protocol/ack.ts";
import { decodeAuthResponse } from "../protocol/auth-response.ts";
import { randomBytes, toHex } from "../protocol/bytes.ts";
import {
  buildKeyRequest,
  type DirectoryEntry,
  decodeKeyResponse,
  type KeyRequest,
} from "../protocol/directory.ts";
import { decodeErrorBody } from "../protocol/error-frame.ts";
import { FrameType, frameBody } from "../protocol/header.ts";
import { signEd25519 } from "../protocol/keys.ts";
import { authSignatureInput, buildAuthRequest } from "../protocol/messages.ts";
import { buildPresence } from "../protocol/presence.ts";
import { buildRegister, type RegisterRequest } from "../protocol/register.ts";
import { buildRevoke } from "../protocol/revoke.ts";
import type { FrameStamp } from "../protocol/signed-frame.ts";
import { asClientError, errorFatality, NcpClientError, serverError } from "./client-error.ts";
import type { SessionHandlers, SessionTiming } from "./client-events.ts";
import type { DeviceKeys } from "./device-messaging.ts";
import type { NcpConnection } from "./ncp-client.ts";
import { PendingRequests } from "./pending-requests.ts";
import { SessionLifetime, type SessionLimits } from "./session-lifetime.ts";

/**
 * One NCP-1 connection of a device from KEYED on: register (0x02), authenticate (0x03 → 0x04),
 * then requests matched by ref (0x30 → 0x31, 0x05 → 0x11), pushes handed to `handlers`, the
 * keepalive and soft expiry. Frames are stamped with local time + the offset measured by 0x33.
 */
export class DeviceSession {
  handlers: Partial<SessionHandlers> = {};
  private readonly pending = new PendingRequests();
  private readonly lifetime: SessionLifetime;
  private authenticated = false;
  private authId?: string;
  private clockOffsetMs = 0;

  constructor(
    readonly connection: NcpConnection,
    readonly keys: DeviceKeys,
    private readonly timing: SessionTiming,
  ) {
    this.lifetime = new SessionLifetime(timing.pingIntervalMs, {
      keepalive: () => void this.connection.ping().catch(() => {}),
      softExpired: () => this.handlers.softExpired?.(),
    });
    connection.onRecord((inner, type) => this.onRecord(inner, type));
    void connection.closed.then(() => this.onClosed());
  }

  /** Measures the clock offset with one 0x33 (§6.7: sync before 0x03, whose skew bound is 5 s). */
  async syncClock(): Promise<void> {
    this.clockOffsetMs = Math.round((await this.connection.ping(this.timing.requestTimeoutMs)).offsetMs);
  }

  /** The stamp of a new frame: fresh message_id, local time + offset. */
  stamp(messageId: Uint8Array = randomBytes(32)): FrameStamp & { messageId: Uint8Array } {
    return { messageId, timestampMs: BigInt(Date.now() + this.clockOffsetMs) };
  }

  /** Sends a 0x02 and resolves with the status (0 active, 4 pending); an Error frame rejects. */
  async register(request: RegisterRequest): Promise<number> {
    const stamp = this.stamp();
    const frame = buildRegister(stamp, request, this.keys.signing);
    return this.request<AckBody>(stamp.messageId, frame, "the registration").then((ack) => ack.status);
  }

  /**
   * Sends the 0x03 signed over th and resolves with the 0x04. The session is AUTHENTICATED as the
   * 0x04 is read, so deliveries right behind it reach `handlers` (set them first).
   */
  async authenticate(): Promise<SessionLimits> {
    const stamp = this.stamp();
    const signature = signEd25519(
      this.keys.signing,
      authSignatureInput(this.keys.deviceId, this.connection.transcriptHash),
    );
    const frame = buildAuthRequest(
      { version: 1, timestampMs: stamp.timestampMs as bigint, messageId: stamp.messageId },
      { deviceId: this.keys.deviceId, devicePublicKey: this.keys.publicKey, signature },
    );
    this.authId = toHex(stamp.messageId);
    return this.request<SessionLimits>(stamp.messageId, frame, "the authentication");
  }

  /** A 0x30 and the entries of its 0x31. */
  lookup(request: KeyRequest): Promise<DirectoryEntry[]> {
    const stamp = this.stamp();
    return this.request(stamp.messageId, buildKeyRequest(stamp, request), "the directory request");
  }

  /** A 0x05 for `deviceId`; resolves on the server's status 0. */
  async revoke(deviceId: Uint8Array, reason: number): Promise<void> {
    const stamp = this.stamp();
    const body = { deviceId, reason, effectiveAtMs: stamp.timestampMs as bigint };
    await this.request(stamp.messageId, buildRevoke(stamp, body, this.keys.signing), "the revocation");
  }

  /** A 0x20 for this device (no reply; a refusal comes back as an Error frame with its ref). */
  setPresence(status: number, message: string): Uint8Array {
    const stamp = this.stamp();
    const lastActiveMs = stamp.timestampMs as bigint;
    this.send(buildPresence(stamp, { status, message, lastActiveMs }, this.keys.signing));
    return stamp.messageId;
  }

  /** True once soft expiry was reached (§7.2). */
  get softExpired(): boolean {
    return this.lifetime.softExpired;
  }

  /** Writes an inner frame; 0x10s count toward message_limit (§7.2). */
  send(inner: Uint8Array): void {
    this.connection.send(inner);
    if (inner[2] === FrameType.send) this.lifetime.countMessage();
    this.lifetime.sent();
  }

  close(): void {
    this.connection.close();
  }

  /** Waits for the reply to `frame`; a frame that cannot be written (the connection ended) rejects it at once. */
  private request<T>(id: Uint8Array, frame: Uint8Array, what: string): Promise<T> {
    const key = toHex(id);
    const reply = this.pending.wait<T>(key, this.timing.requestTimeoutMs, what);
    try {
      this.send(frame);
    } catch (error) {
      this.pending.reject(key, asClientError(error));
    }
    return reply;
  }

  private onRecord(inner: Uint8Array, type: number): void {
    try {
      this.dispatch(inner, type);
    } catch (error) {
      this.connection.fail(asClientError(error));
    }
  }

  private dispatch(inner: Uint8Array, type: number): void {
    if (type === FrameType.error) this.onError(serverError(decodeErrorBody(frameBody(inner))));
    else if (type === FrameType.ack) this.onAck(inner);
    else if (!this.authenticated && type === FrameType.authResponse) this.onAuthResponse(inner);
    else if (this.authenticated && type === FrameType.keyResponse) this.onKeyResponse(inner);
    else if (this.authenticated && type === FrameType.send) {
      this.lifetime.countMessage();
      this.handlers.delivery?.(inner);
    } else if (this.authenticated && type === FrameType.presence) this.handlers.presence?.(inner);
    else throw this.unexpected(type);
  }

  private unexpected(type: number): NcpClientError {
    const state = this.authenticated ? "AUTHENTICATED" : "KEYED";
    return new NcpClientError(
      "protocol",
      `the server sent an unexpected frame (type 0x${type.toString(16)}) in ${state}`,
      101,
    );
  }

  private onAuthResponse(inner: Uint8Array): void {
    const limits = decodeAuthResponse(inner);
    if (this.authId === undefined || !this.pending.resolve(this.authId, limits)) {
      throw this.unexpected(FrameType.authResponse);
    }
    this.authenticated = true;
    this.lifetime.start(limits);
  }

  /** A 0x31 answers its 0x30; one that comes after its request timed out is dropped. */
  private onKeyResponse(inner: Uint8Array): void {
    const response = decodeKeyResponse(inner);
    this.pending.resolve(toHex(response.refMessageId), response.entries);
  }

  private onAck(inner: Uint8Array): void {
    const ack = decodeAck(inner);
    const fromServer = isServerAck(ack);
    if (fromServer) checkAckSignature(ack, { iks: this.connection.serverKey });
    if (fromServer && this.pending.resolve(toHex(ack.refMessageId), ack)) return;
    if (!this.authenticated)
      throw new NcpClientError("protocol", "an ack that answers nothing arrived before 0x04", 101);
    this.handlers.ack?.(ack, inner);
  }

  private onError(error: NcpClientError): void {
    const fatality = errorFatality(error.code, this.authenticated);
    const fatal = fatality === "fatal";
    if (fatality !== "non-fatal") this.connection.noteError(error);
    const ref = error.details.ref;
    const answered = ref !== undefined && this.pending.reject(ref, error);
    if (fatal) this.connection.fail(error);
    else if (!answered) this.handlers.refusal?.(error);
  }

  private onClosed(): void {
    const error = this.connection.endedBy() ?? new NcpClientError("closed", "the connection ended");
    this.lifetime.stop();
    this.pending.rejectAll(error);
    this.handlers.closed?.(error);
  }
}
