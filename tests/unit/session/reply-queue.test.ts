import { expect, test } from "bun:test";
import { type ReplyOutcome, ReplyQueue } from "../../../src/session/reply-queue.ts";

const bytes = (value: number) => Uint8Array.of(value);

function recording(stopOnError = true) {
  const delivered: Array<number | null | string> = [];
  const queue = new ReplyQueue((outcome: ReplyOutcome) => {
    if ("error" in outcome) {
      delivered.push(`error:${String(outcome.error)}`);
      return !stopOnError;
    }
    const reply = outcome.reply as Uint8Array | null;
    delivered.push(reply === null ? null : (reply[0] as number));
    return true;
  });
  return { queue, delivered };
}

test("replies leave in arrival order even when an earlier one settles last", async () => {
  const { queue, delivered } = recording();
  const slow = Promise.withResolvers<Uint8Array | null>();
  queue.push(bytes(1));
  queue.push(slow.promise);
  queue.push(bytes(3));
  queue.push(Promise.resolve(bytes(4)));
  queue.push(null);
  await Bun.sleep(1);
  expect(delivered).toEqual([1]);
  expect(queue.pending).toBe(4);
  slow.resolve(bytes(2));
  await Bun.sleep(1);
  expect(delivered).toEqual([1, 2, 3, 4, null]);
  expect(queue.pending).toBe(0);
});

test("a failure is delivered in its turn and drops every later reply", async () => {
  const { queue, delivered } = recording();
  const slow = Promise.withResolvers<Uint8Array | null>();
  queue.push(slow.promise);
  queue.fail("bad frame");
  queue.push(bytes(9));
  slow.resolve(bytes(1));
  await Bun.sleep(1);
  expect(delivered).toEqual([1, "error:bad frame"]);
  expect(queue.pending).toBe(0);
});

test("a rejected reply is a failure in its turn; clear() drops what waits", async () => {
  const { queue, delivered } = recording(false);
  queue.push(Promise.reject(new Error("commit failed")));
  queue.push(bytes(2));
  await Bun.sleep(1);
  expect(delivered).toEqual(["error:Error: commit failed", 2]);
  const never = Promise.withResolvers<Uint8Array | null>();
  queue.push(never.promise);
  queue.push(bytes(3));
  queue.clear();
  never.resolve(bytes(4));
  await Bun.sleep(1);
  expect(delivered).toEqual(["error:Error: commit failed", 2]);
});
