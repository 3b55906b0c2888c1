import { describe, expect, test } from "bun:test";
import { LocalRouter } from "../../../src/relay/router.ts";
import { id } from "../store/store-fixtures.ts";
import { FakeSession } from "./fake-session.ts";

describe("LocalRouter", () => {
  test("one session per device: a second attach tells the first to close with 203 superseded", () => {
    const router = new LocalRouter();
    const first = new FakeSession(id(1));
    const second = new FakeSession(id(1));
    expect(router.attach(first)).toBeUndefined();
    expect(router.attach(second)).toBe(first);
    expect(first.closes).toEqual([{ code: 203, reason: "superseded" }]);
    expect(second.closes).toEqual([]);
    expect(router.sessionOf(id(1))).toBe(second);
  });

  test("detaching a superseded session keeps its successor; detaching the current one takes the device offline", () => {
    const router = new LocalRouter();
    const first = new FakeSession(id(1));
    const second = new FakeSession(id(1));
    router.attach(first);
    router.attach(second);
    expect(router.detach(first)).toBe(false);
    expect(router.sessionOf(id(1))).toBe(second);
    expect(router.detach(second)).toBe(true);
    expect(router.sessionOf(id(1))).toBeUndefined();
    expect(router.size).toBe(0);
  });

  test("wake and close reach only the device's current session", () => {
    const router = new LocalRouter();
    const a = new FakeSession(id(1));
    const b = new FakeSession(id(2));
    router.attach(a);
    router.attach(b);
    router.wake(id(1));
    router.wake(id(3));
    router.close(id(2), 202, "revoked");
    expect([a.wakes, b.wakes]).toEqual([1, 0]);
    expect(a.closes).toEqual([]);
    expect(b.closes).toEqual([{ code: 202, reason: "revoked" }]);
  });
});
