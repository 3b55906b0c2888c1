import { describe, expect, test } from "bun:test";
import { SendOrder } from "../../../src/relay/send-order.ts";

/** Runs one send's turn: waits `before` (its reads), then, unless it ends early, its turn, then "commits". */
async function sendLike(
  order: SendOrder,
  key: string,
  name: string,
  log: string[],
  before: Promise<void>,
  endsEarly = false,
) {
  const turn = order.turn(key);
  try {
    await before;
    if (endsEarly) return;
    await turn.ready;
    log.push(name);
  } finally {
    turn.release();
  }
}

describe("SendOrder", () => {
  test("one sender's sends commit in arrival order whatever order their reads finish in", async () => {
    const order = new SendOrder();
    const log: string[] = [];
    const slow = Promise.withResolvers<void>();
    const sends = [
      sendLike(order, "s", "a", log, slow.promise),
      sendLike(order, "s", "b", log, Promise.resolve()),
      sendLike(order, "s", "c", log, Promise.resolve()),
    ];
    await Bun.sleep(1);
    slow.resolve();
    await Promise.all(sends);
    expect(log).toEqual(["a", "b", "c"]);
  });

  test("a send that ends early (a duplicate, a 502) does not let later sends overtake earlier ones", async () => {
    const order = new SendOrder();
    const log: string[] = [];
    const slow = Promise.withResolvers<void>();
    const sends = [
      sendLike(order, "s", "a", log, slow.promise),
      sendLike(order, "s", "duplicate", log, Promise.resolve(), true),
      sendLike(order, "s", "c", log, Promise.resolve()),
    ];
    await Bun.sleep(1);
    slow.resolve();
    await Promise.all(sends);
    expect(log).toEqual(["a", "c"]);
    await Bun.sleep(0);
    expect(order.size).toBe(0);
  });

  test("different senders do not wait for each other", async () => {
    const order = new SendOrder();
    const log: string[] = [];
    const slow = Promise.withResolvers<void>();
    const first = sendLike(order, "s1", "s1", log, slow.promise);
    await sendLike(order, "s2", "s2", log, Promise.resolve());
    expect(log).toEqual(["s2"]);
    slow.resolve();
    await first;
    expect(log).toEqual(["s2", "s1"]);
  });
});
