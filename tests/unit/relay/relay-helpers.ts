import { expect } from "bun:test";
import type { AckRequest } from "../../../src/relay/acks.ts";
import { deviceIdOf } from "../../../src/relay/ids.ts";
import { Relay } from "../../../src/relay/relay.ts";
import { RelayError } from "../../../src/relay/relay-error.ts";
import type { MadeFrame, RelayFrames } from "../../../src/relay/relay-frames.ts";
import type { SendRequest } from "../../../src/relay/send.ts";
import { NCP1_DEFAULTS, type RelaySettings } from "../../../src/relay/settings.ts";
import { MemoryStore } from "../../../src/store/memory/memory-store.ts";
import type { DeviceRecord, DeviceState, Id } from "../../../src/store/records.ts";

export const NOW = 1_750_000_000_000;

/** A public key for device number `n` (any 32 bytes: the relay only hashes it). */
export function keyOf(n: number): Uint8Array {
  return new Uint8Array(32).fill(n);
}

/** The device id of key `n`. */
export function devOf(n: number): Id {
  return deviceIdOf(keyOf(n));
}

let counter = 0;
/** A fresh message id. */
export function msgId(): Id {
  counter += 1;
  const bytes = new Uint8Array(32);
  new DataView(bytes.buffer).setUint32(0, counter);
  bytes[31] = 0x77;
  return bytes;
}

/** Frames the server would sign, made recognisable: "receipt:<ref hex>" and "offline:<device hex>". */
export class FakeFrames implements RelayFrames {
  failureReceipt(args: { refMessageId: Id; targetId: Id }): MadeFrame {
    return { messageId: msgId(), frame: new TextEncoder().encode(`receipt:${hex(args.refMessageId)}`) };
  }

  offlineNotice(args: { deviceId: Id }): MadeFrame {
    return { messageId: msgId(), frame: new TextEncoder().encode(`offline:${hex(args.deviceId)}`) };
  }
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A relay over a fresh MemoryStore, with NCP-1's defaults changed by `settings`. */
export function newRelay(settings: Partial<RelaySettings> = {}, store = new MemoryStore()) {
  let clock = NOW;
  const relay = new Relay({
    store,
    frames: new FakeFrames(),
    settings: { ...NCP1_DEFAULTS, ...settings },
    clock: () => clock,
    random: () => 0.5,
  });
  return { relay, store, setClock: (ms: number) => (clock = ms) };
}

/** Stores device `n` of `user` in `state`, as the operator's `device add` would. */
export async function addDevice(
  store: MemoryStore,
  n: number,
  user = "alice",
  state: DeviceState = "active",
): Promise<DeviceRecord> {
  const device: DeviceRecord = {
    id: devOf(n),
    publicKey: keyOf(n),
    userId: user,
    state,
    info: `device ${n}`,
    capabilities: 0,
    registeredAtMs: NOW - 1000 + n,
    updatedAtMs: NOW - 1000 + n,
  };
  await store.commit({ writes: [{ type: "putDevice", device }] });
  return device;
}

/** The RelayError a promise (or function) rejects with, checked to be one. */
export async function refusal(run: Promise<unknown> | (() => unknown)): Promise<RelayError> {
  const error = await (async () => (typeof run === "function" ? run() : run))().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(RelayError);
  return error as RelayError;
}

/** code, reason and limit of a refusal, for one toEqual. */
export async function refusedWith(run: Promise<unknown> | (() => unknown)) {
  const error = await refusal(run);
  return { code: error.code, reason: error.reason, limit: error.limit, retryAfterSecs: error.retryAfterSecs };
}

/** A valid 0x10 from device `from` to device `to`, as its session would hand it over. */
export function sendRequest(from: number, to: number, overrides: Partial<SendRequest> = {}): SendRequest {
  const messageId = overrides.messageId ?? msgId();
  return {
    nowMs: NOW,
    sessionDevice: devOf(from),
    messageId,
    timestampMs: NOW,
    senderId: devOf(from),
    recipientId: devOf(to),
    payloadBytes: 100,
    frame: new TextEncoder().encode(`message:${hex(messageId)}`),
    verifySignature: () => true,
    ...overrides,
  };
}

/** A valid client ack by device `by` of message `ref` sent by device `target`. */
export function ackRequest(
  by: number,
  target: number,
  ref: Id,
  overrides: Partial<AckRequest> = {},
): AckRequest {
  const messageId = overrides.messageId ?? msgId();
  return {
    nowMs: NOW,
    sessionDevice: devOf(by),
    messageId,
    timestampMs: NOW,
    refMessageId: ref,
    status: 1,
    ackerId: devOf(by),
    targetId: devOf(target),
    frame: new TextEncoder().encode(`ack:${hex(ref)}`),
    verifySignature: () => true,
    ...overrides,
  };
}

/** The frames queued for device `n`, as text, in order. */
export async function queueOf(store: MemoryStore, n: number): Promise<string[]> {
  return (await store.mailboxPage(devOf(n), 0, 10_000)).map((entry) => text(entry.frame));
}
