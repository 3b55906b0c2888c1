import { describe, expect, test } from "bun:test";
import { decodeHint, encodeHint, presenceHints } from "../../../src/relay/cluster-hints.ts";
import { ClusterRouter } from "../../../src/relay/cluster-router.ts";
import { id } from "../store/store-fixtures.ts";
import { FakeHints, FakeLeases, settle } from "./fake-cluster.ts";
import { FakeSession } from "./fake-session.ts";

async function cluster(names: string[]) {
  const leases = new FakeLeases();
  const hints = new FakeHints();
  const errors: string[] = [];
  const routers = names.map(
    (instance) =>
      new ClusterRouter({
        leases,
        hints,
        instance,
        onError: (what, error) => errors.push(`${what}: ${error}`),
      }),
  );
  for (const router of routers) await router.listen();
  return { leases, hints, errors, routers: routers as [ClusterRouter, ClusterRouter, ...ClusterRouter[]] };
}

describe("ClusterRouter", () => {
  test("authenticating on another instance supersedes the old session there with 203, without an offline notice", async () => {
    const {
      leases,
      routers: [a, b],
    } = await cluster(["a", "b"]);
    const first = new FakeSession(id(1));
    a.attach(first);
    await settle();
    expect((await leases.getLease(id(1)))?.instance).toBe("a");
    const second = new FakeSession(id(1));
    b.attach(second);
    await settle();
    await settle();
    expect(first.closes).toEqual([{ code: 203, reason: "superseded" }]);
    expect(second.closes).toEqual([]);
    expect(a.detach(first)).toBe(false);
    expect(await leases.getLease(id(1))).toMatchObject({ instance: "b", epoch: 2 });
    expect([a.size, b.size]).toEqual([0, 1]);
  });

  test("fencing: with the hint lost, the old session's next read is stale and it closes with 203", async () => {
    const {
      hints,
      routers: [a, b],
    } = await cluster(["a", "b"]);
    const first = new FakeSession(id(1));
    a.attach(first);
    expect(await a.fencedPage(first, 0, 10)).toEqual([]);
    hints.drop = true;
    b.attach(new FakeSession(id(1)));
    await settle();
    expect(first.closes).toEqual([]);
    expect(await a.fencedPage(first, 0, 10)).toBe("stale");
    expect(first.closes).toEqual([{ code: 203, reason: "superseded" }]);
    expect(a.detach(first)).toBe(false);
  });

  test("a wake for a device held elsewhere reaches its session through a hint; unheld devices get none", async () => {
    const {
      hints,
      routers: [a, b],
    } = await cluster(["a", "b"]);
    const held = new FakeSession(id(2));
    b.attach(held);
    await settle();
    a.wake(id(2));
    a.wake(id(3));
    await settle();
    await settle();
    expect(held.wakes).toBe(1);
    expect(hints.published.map((p) => decodeHint(p.payload)?.kind)).toEqual(["wake"]);
  });

  test("every (re)listen wakes every local session: a lost hint costs latency, not a message", async () => {
    const {
      routers: [a],
      hints,
    } = await cluster(["a"]);
    const one = new FakeSession(id(1));
    const two = new FakeSession(id(2));
    a.attach(one);
    a.attach(two);
    hints.relisten(a.channel);
    expect([one.wakes, two.wakes]).toEqual([1, 1]);
    expect(a.stats.catchUps).toBe(2);
  });

  test("revocation closes the session on whichever instance holds it, with the given code", async () => {
    const {
      routers: [a, b],
    } = await cluster(["a", "b"]);
    const held = new FakeSession(id(4));
    b.attach(held);
    await settle();
    a.close(id(4), 202, "revoked");
    await settle();
    await settle();
    expect(held.closes).toEqual([{ code: 202, reason: "revoked" }]);
    expect(b.detach(held)).toBe(true);
  });

  test("presence goes to local sessions directly and to remote ones by hint", async () => {
    const {
      routers: [a, b],
    } = await cluster(["a", "b"]);
    const here = new FakeSession(id(1));
    const there = new FakeSession(id(2));
    a.attach(here);
    b.attach(there);
    await settle();
    const frame = new Uint8Array([1, 2, 3]);
    expect(await a.pushPresence([id(1), id(2), id(3)], frame)).toBe(1);
    await settle();
    expect(here.presence).toEqual([frame]);
    expect(there.presence).toEqual([frame]);
  });

  test("a lease that cannot be taken closes the session with 500 and leaves nothing held", async () => {
    const {
      leases,
      errors,
      routers: [a],
    } = await cluster(["a"]);
    leases.failing = true;
    const session = new FakeSession(id(1));
    a.attach(session);
    await settle();
    expect(session.closes).toEqual([{ code: 500, reason: "store_unavailable" }]);
    expect(a.size).toBe(0);
    expect(errors[0]).toContain("taking a lease");
  });

  test("two sessions of one device on one instance take epochs in attach order: the later one stays current", async () => {
    const {
      leases,
      routers: [a],
    } = await cluster(["a"]);
    const first = new FakeSession(id(1));
    const second = new FakeSession(id(1));
    a.attach(first);
    a.attach(second);
    expect(await a.leaseEpoch(id(1))).toBe(2);
    expect(await a.fencedPage(second, 0, 1)).toEqual([]);
    expect(first.closes).toEqual([{ code: 203, reason: "superseded" }]);
    expect((await leases.getLease(id(1)))?.epoch).toBe(2);
  });
});

describe("cluster hints", () => {
  test("round-trip; text that is no hint is ignored", () => {
    const hint = { kind: "close" as const, device: id(9), code: 203, belowEpoch: 7 };
    expect(decodeHint(encodeHint(hint))).toEqual(hint);
    expect(decodeHint(encodeHint({ kind: "wake", device: id(9) }))).toEqual({ kind: "wake", device: id(9) });
    expect(decodeHint("x y")).toBeUndefined();
    expect(decodeHint("w nothex")).toBeUndefined();
  });

  test("presence hints are split to stay within 7,000 bytes and name every device once", () => {
    const devices = Array.from({ length: 300 }, (_, n) => id(n % 250));
    const texts = presenceHints(new Uint8Array(400), devices);
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.every((text) => text.length <= 7_000)).toBe(true);
    const named = texts.flatMap((text) => {
      const hint = decodeHint(text);
      return hint?.kind === "presence" ? hint.devices : [];
    });
    expect(named).toHaveLength(300);
  });
});
