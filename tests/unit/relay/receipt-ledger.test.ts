import { expect, test } from "bun:test";
import { ReceiptLedger } from "../../../src/relay/receipt-ledger.ts";

test("a deleted receipt is remembered for keepMs, then forgotten once the ledger is above its prune size", () => {
  const ledger = new ReceiptLedger(1_000, 2);
  ledger.begin(1);
  ledger.deleted(1, 0);
  ledger.begin(2);
  ledger.deleted(2, 500);
  ledger.begin(3);
  expect([1, 2, 3].map((seq) => ledger.has(seq))).toEqual([true, true, true]);
  ledger.deleted(3, 1_200);
  expect([1, 2, 3].map((seq) => ledger.has(seq))).toEqual([false, true, true]);
  ledger.begin(4);
  ledger.deleted(4, 1_600);
  expect([1, 2, 3, 4].map((seq) => ledger.has(seq))).toEqual([false, false, true, true]);
});

test("a receipt still being deleted is never forgotten, however old the others are", () => {
  const ledger = new ReceiptLedger(10, 1);
  ledger.begin(7);
  for (let seq = 100; seq < 20_000; seq++) {
    ledger.begin(seq);
    ledger.deleted(seq, seq);
  }
  expect(ledger.has(7)).toBe(true);
  expect(ledger.has(100)).toBe(false);
  expect(ledger.has(19_999)).toBe(true);
});

test("a receipt deleted again later is kept for keepMs after its last deletion", () => {
  const ledger = new ReceiptLedger(100, 0);
  ledger.begin(5);
  ledger.deleted(5, 0);
  ledger.begin(5);
  ledger.deleted(5, 90);
  ledger.begin(6);
  ledger.deleted(6, 150);
  expect(ledger.has(5)).toBe(true);
  ledger.deleted(6, 191);
  expect(ledger.has(5)).toBe(false);
});
