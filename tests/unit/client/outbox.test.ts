import { describe, expect, test } from "bun:test";
import { NcpClientError } from "../../../src/client/client-error.ts";
import { Outbox } from "../../../src/client/outbox.ts";
import { toHex } from "../../../src/protocol/bytes.ts";

const id = (n: number) => new Uint8Array(32).fill(n);
const hex = (n: number) => toHex(id(n));
const frame = (n: number) => new Uint8Array([n]);
const refusal = (code: number, retryAfterSecs = 0) =>
  new NcpClientError("server", `error ${code}`, code, retryAfterSecs);
const ids = (entries: { id: string }[]) => entries.map((e) => e.id);

function settled(promise: Promise<void>): { state: string; error?: unknown } {
  const box: { state: string; error?: unknown } = { state: "pending" };
  promise.then(
    () => {
      box.state = "accepted";
    },
    (error) => {
      box.state = "failed";
      box.error = error;
    },
  );
  return box;
}

describe("resend bookkeeping (§8.3)", () => {
  test("sent once, not resent before 30 s, resent at 30 s with the same id, settled by status 0", async () => {
    const outbox = new Outbox();
    const result = settled(outbox.add(id(1), frame(1)));
    expect(ids(outbox.takeDue(0))).toEqual([hex(1)]);
    expect(outbox.takeDue(29_999)).toEqual([]);
    expect(outbox.nextDueMs()).toBe(30_000);
    const again = outbox.takeDue(30_000);
    expect(ids(again)).toEqual([hex(1)]);
    expect(again[0]?.sends).toBe(2);
    expect(again[0]?.inner).toEqual(frame(1));
    expect(outbox.accepted(hex(1))).toBe(true);
    await Promise.resolve();
    expect(result.state).toBe("accepted");
    expect(outbox.size).toBe(0);
    expect(outbox.accepted(hex(1))).toBe(false);
  });

  test("a dropped connection makes everything in flight due at once, in order", () => {
    const outbox = new Outbox();
    for (const n of [1, 2, 3]) outbox.add(id(n), frame(n));
    outbox.takeDue(0);
    outbox.accepted(hex(2));
    expect(outbox.takeDue(10)).toEqual([]);
    outbox.connectionLost();
    expect(ids(outbox.takeDue(10))).toEqual([hex(1), hex(3)]);
  });

  test("at most 64 in flight; the 65th goes once one is accepted", () => {
    const outbox = new Outbox();
    for (let n = 1; n <= 65; n++) outbox.add(id(n), frame(n));
    expect(outbox.takeDue(0)).toHaveLength(64);
    expect(outbox.takeDue(1)).toEqual([]);
    expect(outbox.nextDueMs()).toBe(30_000);
    outbox.accepted(hex(7));
    expect(outbox.nextDueMs()).toBe(0);
    expect(ids(outbox.takeDue(2))).toEqual([hex(65)]);
  });

  test("502 waits retry_after (at least 1 s) and resends; 500 waits too", () => {
    const outbox = new Outbox();
    const result = settled(outbox.add(id(1), frame(1)));
    outbox.add(id(2), frame(2));
    outbox.takeDue(0);
    expect(outbox.refused(hex(1), refusal(502, 60), 1_000)).toBe("retry");
    expect(outbox.refused(hex(2), refusal(500), 1_000)).toBe("retry");
    expect(ids(outbox.takeDue(1_999))).toEqual([]);
    expect(ids(outbox.takeDue(2_000))).toEqual([hex(2)]);
    outbox.accepted(hex(2));
    expect(ids(outbox.takeDue(60_999))).toEqual([]);
    expect(ids(outbox.takeDue(61_000))).toEqual([hex(1)]);
    expect(result.state).toBe("pending");
  });

  test("a refused message holds back the later ones of its chain (not other chains) until it is written", () => {
    const outbox = new Outbox();
    outbox.add(id(1), frame(1), "bob");
    outbox.takeDue(0);
    expect(outbox.refused(hex(1), refusal(502, 2), 0)).toBe("retry");
    outbox.add(id(2), frame(2), "bob");
    outbox.add(id(3), frame(3), "carol");
    expect(ids(outbox.takeDue(10))).toEqual([hex(3)]);
    expect(outbox.nextDueMs()).toBe(2_000);
    expect(ids(outbox.takeDue(2_000))).toEqual([hex(1), hex(2)]);
  });

  test("a refused message sealed again moves behind the ones added before it, with its new frame", () => {
    const outbox = new Outbox();
    for (const n of [1, 2, 3]) outbox.add(id(n), frame(n), "bob");
    outbox.takeDue(0);
    outbox.refused(hex(1), refusal(502, 1), 0);
    expect(outbox.resealed(hex(1), frame(9))).toBe(true);
    expect(outbox.resealed(hex(2), frame(9))).toBe(false);
    outbox.add(id(4), frame(4), "bob");
    expect(outbox.takeDue(500)).toEqual([]);
    outbox.connectionLost();
    const due = outbox.takeDue(1_000);
    expect(ids(due)).toEqual([hex(2), hex(3), hex(1), hex(4)]);
    expect(due[2]?.inner).toEqual(frame(9));
  });

  test("400, 402, 200, 303, 103 fail the message with the server's error; unknown refs are ignored", async () => {
    const outbox = new Outbox();
    const results = [400, 402, 200, 303, 103].map((code, n) => {
      const box = settled(outbox.add(id(n + 1), frame(n)));
      return { code, box };
    });
    outbox.takeDue(0);
    results.forEach(({ code }, n) => {
      expect(outbox.refused(hex(n + 1), refusal(code), 5)).toBe("failed");
    });
    expect(outbox.refused(hex(99), refusal(400), 5)).toBe("unknown");
    await Promise.resolve();
    for (const { code, box } of results) {
      expect(box.state).toBe("failed");
      expect((box.error as NcpClientError).code).toBe(code);
    }
    expect(outbox.size).toBe(0);
  });

  test("the same message_id cannot be added twice; failAll rejects what is left", async () => {
    const outbox = new Outbox();
    const result = settled(outbox.add(id(1), frame(1)));
    expect(() => outbox.add(id(1), frame(1))).toThrow(RangeError);
    outbox.failAll(new NcpClientError("closed", "stopped"));
    await Promise.resolve();
    expect(result.state).toBe("failed");
    expect(outbox.takeDue(0)).toEqual([]);
  });
});
