import type { HintBus, LeaseStore, LockoutStore } from "../../../src/store/cluster-ports.ts";
import type { Store, StoreOptions } from "../../../src/store/ports.ts";
import type { DeviceRecord, EntryKind, Id, NewEntry } from "../../../src/store/records.ts";
import type { Work } from "../../../src/store/work.ts";

/** What every implementation offers: the store, the cluster ports, and a hint bus. */
export type ContractStore = Store & LeaseStore & LockoutStore & { hints: HintBus };

/** One implementation's storage, opened (and for durable ones reopened) by the contract suite. */
export interface StoreFixture {
  /** Opens a store over this fixture's storage; again after close() to reopen it. */
  open(options?: StoreOptions): Promise<ContractStore>;
  /** Whether what was committed survives close() and a new open(). */
  durable: boolean;
  cleanup(): void | Promise<void>;
}

export type FixtureFactory = () => StoreFixture;

/** A 32-byte id whose first bytes spell `n` (distinct per n, and per namespace byte). */
export function id(n: number, namespace = 0): Id {
  const bytes = new Uint8Array(32);
  new DataView(bytes.buffer).setUint32(0, n);
  bytes[31] = namespace;
  return bytes;
}

export const T0 = 1_700_000_000_000;
export const DAY_MS = 86_400_000;

/** An active device `n` of user `user`, registered at T0 + n. */
export function device(n: number, user = "alice", overrides: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    id: id(n),
    publicKey: id(n, 9),
    userId: user,
    state: "active",
    info: `device ${n}`,
    capabilities: 0,
    registeredAtMs: T0 + n,
    updatedAtMs: T0 + n,
    ...overrides,
  };
}

/** A frame of `size` bytes whose bytes start with the message number (to tell frames apart). */
export function frame(n: number, size = 64): Uint8Array {
  const bytes = new Uint8Array(size).fill(0xab);
  new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
}

export interface EntryOptions {
  kind?: EntryKind;
  size?: number;
  atMs?: number;
  ttlMs?: number;
}

/** Entry `n` from `sender` to `recipient` (device numbers); message ids live in namespace 1. */
export function entry(n: number, sender: number, recipient: number, options: EntryOptions = {}): NewEntry {
  const atMs = options.atMs ?? T0 + n;
  return {
    recipient: id(recipient),
    kind: options.kind ?? "message",
    messageId: id(n, 1),
    sender: id(sender),
    frame: frame(n, options.size),
    enqueuedAtMs: atMs,
    expiresAtMs: atMs + (options.ttlMs ?? 7 * DAY_MS),
  };
}

/** Caps for sendWork; generous unless a test lowers them. */
export interface Caps {
  maxFrames: number;
  maxBytes: number;
}

export const WIDE_CAPS: Caps = { maxFrames: 1_000_000, maxBytes: 1 << 30 };

/** The send pipeline's step 11: queue entry + seen record + contact pair, guarded like the relay does. */
export function sendWork(
  n: number,
  sender: number,
  recipient: number,
  options: EntryOptions & { caps?: Caps } = {},
): Work {
  const queued = entry(n, sender, recipient, options);
  const caps = options.caps ?? WIDE_CAPS;
  return {
    guards: [
      { type: "notSeen", messageId: queued.messageId },
      { type: "deviceUsable", device: queued.recipient },
      { type: "queueCap", recipient: queued.recipient, ...caps },
      { type: "diskQuota" },
    ],
    writes: [
      { type: "enqueue", entry: queued },
      {
        type: "markSeen",
        seen: {
          messageId: queued.messageId,
          sender: queued.sender,
          recipient: queued.recipient,
          atMs: queued.enqueuedAtMs,
        },
      },
      { type: "touchContact", a: queued.sender, b: queued.recipient, atMs: queued.enqueuedAtMs },
    ],
  };
}

/** Registers devices 1..count (user "alice" unless given) in one unit of work. */
export async function addDevices(store: Store, count: number, user = "alice"): Promise<void> {
  const writes = Array.from({ length: count }, (_, i) => ({
    type: "putDevice" as const,
    device: device(i + 1, user),
  }));
  const outcome = await store.commit({ writes });
  if (outcome.status !== "ok") throw new Error(`adding devices: ${outcome.status}`);
}

/** The first 4 bytes of each frame (the message numbers), to compare orders. */
export function numbersOf(entries: { frame: Uint8Array }[]): number[] {
  return entries.map((e) => new DataView(e.frame.buffer, e.frame.byteOffset).getUint32(0));
}

/** Runs `body` on a freshly opened store, closing it and cleaning the fixture afterwards. */
export async function withStore(
  makeFixture: FixtureFactory,
  body: (store: ContractStore, fixture: StoreFixture) => Promise<void>,
  options?: StoreOptions,
): Promise<void> {
  const fixture = makeFixture();
  const store = await fixture.open(options);
  try {
    await body(store, fixture);
  } finally {
    await store.close().catch(() => {});
    await fixture.cleanup();
  }
}
