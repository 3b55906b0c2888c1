import { describe, expect, test } from "bun:test";
import { blake3 } from "@noble/hashes/blake3.js";
import {
  CHAIN_START_HASH,
  ChainTracker,
  judgeChain,
  randomChainStart,
  SendChain,
} from "../../../src/protocol/send-chain.ts";

const payload = (n: number) => new Uint8Array(52).fill(n);
const sender = new Uint8Array(32).fill(1);
const conversation = new Uint8Array(32).fill(2);

describe("sender chain (§6.5)", () => {
  test("first frame: zero hash and a random sequence below 2^24; then sequence + 1 and BLAKE3(payload)", () => {
    const starts = new Set<bigint>();
    for (let i = 0; i < 32; i++) {
      const start = randomChainStart();
      expect(start >= 0n && start < 2n ** 24n).toBe(true);
      starts.add(start);
    }
    expect(starts.size).toBeGreaterThan(1);
    const chain = new SendChain({ sequence: 10n, prevMessageHash: CHAIN_START_HASH });
    expect(chain.next()).toEqual({ sequence: 10n, prevMessageHash: CHAIN_START_HASH });
    chain.advance(payload(1));
    expect(chain.next()).toEqual({ sequence: 11n, prevMessageHash: blake3(payload(1)) });
    const fresh = new SendChain();
    expect(fresh.next().prevMessageHash).toEqual(CHAIN_START_HASH);
  });
});

describe("recipient chain rules (§8.5)", () => {
  const state = { lastSequence: 5n, lastHash: blake3(payload(5)) };

  test.each([
    ["last + 1, matching hash", 6n, blake3(payload(5)), "accept"],
    ["last + 1, other hash", 6n, blake3(payload(9)), "broken"],
    ["beyond last + 1", 8n, blake3(payload(9)), "gap"],
    ["equal to last", 5n, blake3(payload(5)), "stale"],
    ["below last", 1n, CHAIN_START_HASH, "stale"],
  ] as const)("%s → %s", (_name, sequence, prevMessageHash, verdict) => {
    expect(judgeChain(state, { sequence, prevMessageHash })).toBe(verdict);
  });

  test("an unknown chain is accepted: from its start, or with a gap", () => {
    expect(judgeChain(undefined, { sequence: 3n, prevMessageHash: CHAIN_START_HASH })).toBe("accept");
    expect(judgeChain(undefined, { sequence: 3n, prevMessageHash: blake3(payload(2)) })).toBe("gap");
  });

  test("a sender chain feeds the tracker: accepted in order, a replayed link is stale, a broken one is kept out", () => {
    const chain = new SendChain({ sequence: 100n, prevMessageHash: CHAIN_START_HASH });
    const tracker = new ChainTracker();
    const sent: { link: ReturnType<SendChain["next"]>; body: Uint8Array }[] = [];
    for (let i = 0; i < 3; i++) {
      const link = chain.next();
      sent.push({ link, body: payload(i) });
      chain.advance(payload(i));
    }
    for (const { link, body } of sent)
      expect(tracker.observe(sender, conversation, link, body)).toBe("accept");
    const first = sent[0] as (typeof sent)[number];
    expect(tracker.observe(sender, conversation, first.link, first.body)).toBe("stale");
    const bad = { sequence: 103n, prevMessageHash: blake3(payload(42)) };
    expect(tracker.observe(sender, conversation, bad, payload(7))).toBe("broken");
    expect(tracker.observe(sender, conversation, chain.next(), payload(3))).toBe("accept");
    expect(
      tracker.observe(
        sender,
        new Uint8Array(32),
        { sequence: 103n, prevMessageHash: blake3(payload(42)) },
        payload(3),
      ),
    ).toBe("gap");
  });
});
