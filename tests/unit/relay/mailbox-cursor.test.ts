import { describe, expect, test } from "bun:test";
import { MailboxCursor } from "../../../src/relay/mailbox-cursor.ts";
import { ReceiptLedger } from "../../../src/relay/receipt-ledger.ts";
import { MemoryStore } from "../../../src/store/memory/memory-store.ts";
import type { QueueEntry } from "../../../src/store/records.ts";
import { device, entry, id, T0 } from "../store/store-fixtures.ts";

const RECIPIENT = 2;

async function storeWith(...entries: ReturnType<typeof entry>[]): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.commit({ writes: [{ type: "putDevice", device: device(RECIPIENT) }] });
  for (const e of entries) await store.commit({ writes: [{ type: "enqueue", entry: e }] });
  return store;
}

function cursorOn(
  store: MemoryStore,
  options: { window?: number; receipts?: ReceiptLedger; nowMs?: number } = {},
) {
  return new MailboxCursor({
    store,
    device: id(RECIPIENT),
    deliveryWindow: () => options.window ?? 256,
    receipts: options.receipts ?? new ReceiptLedger(),
    nowMs: () => options.nowMs ?? T0,
  });
}

/** A socket that records what was pushed, and can refuse (above the high-water mark). */
function sink() {
  const pushed: QueueEntry[] = [];
  let open = true;
  return {
    pushed,
    numbers: () => pushed.map((e) => new DataView(e.frame.buffer).getUint32(0)),
    block: () => {
      open = false;
    },
    unblock: () => {
      open = true;
    },
    push: (e: QueueEntry) => {
      if (!open) return false;
      pushed.push(e);
      return true;
    },
  };
}

const messages = (...ns: number[]) => ns.map((n) => entry(n, 1, RECIPIENT));

describe("MailboxCursor", () => {
  test("pushes in commit order, at most delivery_window unacked messages, more as acks arrive", async () => {
    const store = await storeWith(...messages(1, 2, 3, 4, 5));
    const cursor = cursorOn(store, { window: 2 });
    const socket = sink();
    expect(await cursor.drain(socket.push)).toBe(2);
    expect(socket.numbers()).toEqual([1, 2]);
    expect(await cursor.drain(socket.push)).toBe(0);
    expect(cursor.acked(socket.pushed[0]?.seq ?? -1)).toBe(true);
    expect(await cursor.drain(socket.push)).toBe(1);
    expect(socket.numbers()).toEqual([1, 2, 3]);
    expect(cursor.acked(12345)).toBe(false);
    expect(cursor.unackedCount).toBe(2);
  });

  test("a refused push stops the pull; the next drain resumes with that entry", async () => {
    const store = await storeWith(...messages(1, 2, 3));
    const cursor = cursorOn(store);
    const socket = sink();
    let left = 1;
    await cursor.drain((e) => left-- > 0 && socket.push(e));
    expect(socket.numbers()).toEqual([1]);
    await cursor.drain(socket.push);
    expect(socket.numbers()).toEqual([1, 2, 3]);
  });

  test("a full window holds receipts back too; receipts go once and are deleted; a new session pushes again what is still queued, not the receipts", async () => {
    const store = await storeWith(entry(1, 1, RECIPIENT), entry(2, 3, RECIPIENT, { kind: "receipt" }));
    const receipts = new ReceiptLedger();
    const first = sink();
    const old = cursorOn(store, { window: 1, receipts });
    await old.drain(first.push);
    expect(first.numbers()).toEqual([1]);
    old.acked(first.pushed[0]?.seq ?? -1);
    await old.drain(first.push);
    expect(first.numbers()).toEqual([1, 2]);
    await old.settled();
    expect((await store.mailboxPage(id(RECIPIENT), 0, 10)).map((e) => e.kind)).toEqual(["message"]);
    old.close();
    const second = sink();
    await cursorOn(store, { receipts }).drain(second.push);
    expect(second.numbers()).toEqual([1]);
  });

  test("a receipt written but not yet deleted is not pushed by another session", async () => {
    const store = await storeWith(entry(1, 3, RECIPIENT, { kind: "receipt" }));
    const receipts = new ReceiptLedger();
    const [entries] = [await store.mailboxPage(id(RECIPIENT), 0, 10)];
    receipts.begin(entries[0]?.seq ?? -1);
    const socket = sink();
    await cursorOn(store, { receipts }).drain(socket.push);
    expect(socket.pushed).toEqual([]);
  });

  test("concurrent drains push each entry once; an entry committed during a pull is pushed by it", async () => {
    const store = await storeWith(...messages(1, 2));
    const cursor = cursorOn(store);
    const socket = sink();
    const running = cursor.drain(socket.push);
    await store.commit({ writes: [{ type: "enqueue", entry: entry(3, 1, RECIPIENT) }] });
    const joined = cursor.drain(socket.push);
    await Promise.all([running, joined, cursor.drain(socket.push)]);
    expect(socket.numbers()).toEqual([1, 2, 3]);
  });

  test("expired entries are skipped (the sweeper fails them); a closed cursor pushes nothing", async () => {
    const store = await storeWith(entry(1, 1, RECIPIENT, { ttlMs: 10 }), entry(2, 1, RECIPIENT));
    const socket = sink();
    await cursorOn(store, { nowMs: T0 + 100 }).drain(socket.push);
    expect(socket.numbers()).toEqual([2]);
    const closed = cursorOn(store);
    closed.close();
    expect(await closed.drain(socket.push)).toBe(0);
  });
});
