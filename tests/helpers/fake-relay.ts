import { buildServerAck, decodeClientAck } from "../../src/protocol/ack.ts";
import { buildAuthResponse } from "../../src/protocol/auth-response.ts";
import { bytesEqual, fromHex, randomBytes, toHex } from "../../src/protocol/bytes.ts";
import {
  buildKeyResponse,
  DeviceState,
  type DirectoryEntry,
  decodeKeyRequest,
} from "../../src/protocol/directory.ts";
import { decodeHeader, FrameType } from "../../src/protocol/header.ts";
import { signEd25519, verifyEd25519Raw } from "../../src/protocol/keys.ts";
import {
  authSignatureInput,
  buildTimeSyncReply,
  decodeAuthRequest,
  decodeRegister,
  deviceIdOf,
} from "../../src/protocol/messages.ts";
import { decodePresence } from "../../src/protocol/presence.ts";
import { checkRegisterSignature } from "../../src/protocol/register.ts";
import { decodeRevoke } from "../../src/protocol/revoke.ts";
import { checkSendSignature, decodeSend } from "../../src/protocol/send.ts";
import type { ServerIdentity } from "../../src/protocol/server-handshake.ts";
import type { FakeConnection } from "./fake-ncp-server.ts";

/** Knobs of the fake relay. */
export interface FakeRelayOptions {
  policy: "open" | "approval" | "closed";
  /** expires_at − server_time in the 0x04. */
  sessionLifetimeMs: number;
  messageLimit: number;
  /** Sends 203 to the superseded session before the new 0x04 (as a race across sockets may show it). */
  supersedeFirst?: boolean;
  /** Consulted for each new 0x10: "withhold" sends no status 0 (the message is still stored). */
  onSend?: (
    messageId: string,
  ) => "withhold" | { code: number; retryAfterSecs?: number; reason?: string } | undefined;
}

export interface Entry {
  id: string;
  inner: Uint8Array;
  receipt: boolean;
  sender: string;
}

/** The relay state of the fake server: devices, one FIFO queue per device, seen records, sessions. */
export class FakeRelay {
  readonly devices = new Map<string, DirectoryEntry>();
  readonly queues = new Map<string, Entry[]>();
  readonly seen = new Map<string, { sender: string; recipient: string }>();
  readonly sessions = new Map<string, FakeConnection>();
  readonly options: FakeRelayOptions;

  constructor(
    private readonly identity: ServerIdentity,
    options: Partial<FakeRelayOptions>,
  ) {
    this.options = { policy: "open", sessionLifetimeMs: 3_600_000, messageLimit: 10_000, ...options };
  }

  /** Adds a device as `device add` would. */
  addDevice(publicKey: Uint8Array, userId: string, state: number = DeviceState.active): string {
    const deviceId = deviceIdOf(publicKey);
    const entry = {
      deviceId,
      userId,
      publicKey,
      state,
      registeredAtMs: BigInt(Date.now()),
      capabilities: 0,
      presence: 0,
    };
    this.devices.set(toHex(deviceId), entry);
    return toHex(deviceId);
  }

  handle(connection: FakeConnection, inner: Uint8Array) {
    const type = inner[2];
    const ref = decodeHeader(inner).messageId;
    if (type === FrameType.timeSync) return this.timeSync(connection, ref);
    if (type === FrameType.register) return this.register(connection, inner, ref);
    if (connection.state === "keyed") {
      if (type === FrameType.authRequest) return this.authenticate(connection, inner, ref);
      return connection.error(303, "not allowed in KEYED", { ref, fatal: true });
    }
    if (type === FrameType.send) return this.send(connection, inner, ref);
    if (type === FrameType.ack) return this.clientAck(connection, inner);
    if (type === FrameType.keyRequest) return this.lookup(connection, inner, ref);
    if (type === FrameType.revoke) return this.revoke(connection, inner, ref);
    if (type === FrameType.presence) return this.presence(connection, inner);
    connection.error(102, "unsupported", { ref });
  }

  /** A connection closed: its device is offline. */
  ended(connection: FakeConnection) {
    if (connection.deviceId !== undefined && this.sessions.get(connection.deviceId) === connection) {
      this.sessions.delete(connection.deviceId);
    }
  }

  /** Pushes the queue entries not yet pushed on the device's session, in order (§8.2). */
  push(deviceId: string) {
    const connection = this.sessions.get(deviceId);
    if (connection === undefined) return;
    const queue = this.queues.get(deviceId) ?? [];
    for (const entry of [...queue]) {
      if (connection.pushed.has(entry.id)) continue;
      connection.pushed.add(entry.id);
      connection.send(entry.inner);
      if (entry.receipt) queue.splice(queue.indexOf(entry), 1);
    }
  }

  private serverAck(ref: Uint8Array, status: number, target: Uint8Array): Uint8Array {
    return buildServerAck(
      {},
      { refMessageId: ref, status, eventTimeMs: BigInt(Date.now()), targetId: target },
      this.identity.privateKey,
    );
  }

  /** Appends to a device's queue and pushes it if the device is online. */
  enqueue(recipient: string, entry: Entry) {
    const queue = this.queues.get(recipient) ?? [];
    queue.push(entry);
    this.queues.set(recipient, queue);
    this.push(recipient);
  }

  private timeSync(connection: FakeConnection, ref: Uint8Array) {
    const header = { version: 1, timestampMs: BigInt(Date.now()), messageId: ref };
    const reply = { serverTimeUs: BigInt(Date.now()) * 1000n, uncertaintyUs: 50_000, ntpStratum: 0 };
    connection.send(buildTimeSyncReply(header, reply, (m) => signEd25519(this.identity.privateKey, m)));
  }

  private register(connection: FakeConnection, inner: Uint8Array, ref: Uint8Array) {
    const body = decodeRegister(inner);
    checkRegisterSignature(body);
    const id = toHex(deviceIdOf(body.devicePublicKey));
    const known = this.devices.get(id);
    if (known !== undefined && known.userId !== body.userId) {
      return connection.error(303, "user mismatch", {
        ref,
        reason: "user_mismatch",
        fatal: connection.state === "keyed",
      });
    }
    if (known === undefined && this.options.policy === "closed") {
      return connection.error(303, "registration closed", {
        ref,
        reason: "registration_closed",
        fatal: true,
      });
    }
    if (known === undefined) {
      this.addDevice(
        body.devicePublicKey,
        body.userId,
        this.options.policy === "open" ? DeviceState.active : DeviceState.registered,
      );
    }
    const state = (this.devices.get(id) as DirectoryEntry).state;
    if (state === DeviceState.revoked) return connection.error(202, "revoked", { ref, fatal: true });
    connection.send(this.serverAck(ref, state === DeviceState.active ? 0 : 4, fromHex(id)));
  }

  private authenticate(connection: FakeConnection, inner: Uint8Array, ref: Uint8Array) {
    const body = decodeAuthRequest(inner);
    const id = toHex(body.deviceId);
    const device = this.devices.get(id);
    const signed = verifyEd25519Raw(
      body.devicePublicKey,
      authSignatureInput(body.deviceId, connection.th),
      body.signature,
    );
    if (!signed || !bytesEqual(deviceIdOf(body.devicePublicKey), body.deviceId))
      return connection.error(200, "bad auth", { ref, fatal: true });
    if (device === undefined) return connection.error(201, "unknown device", { ref, fatal: true });
    if (device.state === DeviceState.revoked) return connection.error(202, "revoked", { ref, fatal: true });
    if (device.state === DeviceState.registered)
      return connection.error(303, "pending", { ref, reason: "pending", fatal: true });
    const now = BigInt(Date.now());
    const limits = {
      sessionId: randomBytes(32),
      expiresAtMs: now + BigInt(this.options.sessionLifetimeMs),
      serverTimeMs: now,
    };
    const queued = this.queues.get(id)?.length ?? 0;
    const old = this.sessions.get(id);
    const supersede = () => old?.error(203, "superseded", { reason: "superseded", fatal: true });
    if (this.options.supersedeFirst) supersede();
    connection.send(buildAuthResponse({}, { ...limits, messageLimit: this.options.messageLimit, queued }));
    connection.state = "auth";
    connection.deviceId = id;
    this.sessions.set(id, connection);
    if (!this.options.supersedeFirst) supersede();
    this.push(id);
  }

  private send(connection: FakeConnection, inner: Uint8Array, ref: Uint8Array) {
    const sender = connection.deviceId as string;
    const body = decodeSend(inner, { sessionDeviceId: fromHex(sender) });
    const id = toHex(ref);
    const seen = this.seen.get(id);
    if (seen !== undefined) {
      if (seen.sender === sender) return connection.send(this.serverAck(ref, 0, body.senderId));
      return connection.error(103, "message_id of another sender", { ref });
    }
    const hook = this.options.onSend?.(id);
    if (hook !== undefined && hook !== "withhold")
      return connection.error(hook.code, "refused", { ref, ...hook });
    checkSendSignature(body, (this.devices.get(sender) as DirectoryEntry).publicKey);
    const recipient = toHex(body.recipientId);
    const target = this.devices.get(recipient);
    if (target === undefined || target.state === DeviceState.revoked) {
      return connection.error(400, "unreachable", {
        ref,
        reason: target === undefined ? "unknown" : "revoked",
      });
    }
    this.seen.set(id, { sender, recipient });
    if (hook !== "withhold") connection.send(this.serverAck(ref, 0, body.senderId));
    this.enqueue(recipient, { id, inner, receipt: false, sender });
  }

  private clientAck(connection: FakeConnection, inner: Uint8Array) {
    const acker = connection.deviceId as string;
    const ack = decodeClientAck(inner, fromHex(acker));
    const queue = this.queues.get(acker) ?? [];
    const at = queue.findIndex((e) => !e.receipt && e.id === toHex(ack.refMessageId));
    const target = toHex(ack.targetId);
    if (at >= 0) queue.splice(at, 1);
    else if (this.seen.get(toHex(ack.refMessageId))?.recipient !== acker) return;
    this.enqueue(target, { id: toHex(decodeHeader(inner).messageId), inner, receipt: true, sender: acker });
  }

  private lookup(connection: FakeConnection, inner: Uint8Array, ref: Uint8Array) {
    const request = decodeKeyRequest(inner);
    const all = [...this.devices.values()];
    const entries =
      request.kind === 0
        ? all.filter((d) => d.userId === request.userId)
        : request.deviceIds.flatMap((id) => this.devices.get(toHex(id)) ?? []);
    connection.send(buildKeyResponse({}, { refMessageId: ref, entries }));
  }

  private revoke(connection: FakeConnection, inner: Uint8Array, ref: Uint8Array) {
    const body = decodeRevoke(inner);
    const id = toHex(body.deviceId);
    const target = this.devices.get(id);
    if (target === undefined) return connection.error(201, "unknown device", { ref });
    const own = this.devices.get(connection.deviceId as string) as DirectoryEntry;
    if (target.userId !== own.userId) return connection.error(303, "foreign device", { ref });
    target.state = DeviceState.revoked;
    this.queues.delete(id);
    connection.send(this.serverAck(ref, 0, body.deviceId));
    this.sessions.get(id)?.error(202, "revoked", { fatal: true });
  }

  private presence(connection: FakeConnection, inner: Uint8Array) {
    const body = decodePresence(inner, { sessionDeviceId: fromHex(connection.deviceId as string) });
    const own = this.devices.get(toHex(body.deviceId)) as DirectoryEntry;
    own.presence = body.status;
    for (const [id, session] of this.sessions) {
      if (id !== connection.deviceId && this.devices.get(id)?.userId === own.userId) session.send(inner);
    }
  }
}
