import { blake3 } from "@noble/hashes/blake3.js";
import { bytesEqual, randomBytes, toHex } from "./bytes.ts";

/** prev_message_hash of the first frame of a chain. */
export const CHAIN_START_HASH = new Uint8Array(32);

/** The two 0x10 fields that link a frame to its chain (§6.5). */
export interface ChainLink {
  sequence: bigint;
  prevMessageHash: Uint8Array;
}

/** A random first sequence below 2^24, as §6.5 recommends. */
export function randomChainStart(): bigint {
  const bytes = randomBytes(3);
  return BigInt(((bytes[0] as number) << 16) | ((bytes[1] as number) << 8) | (bytes[2] as number));
}

/**
 * The sender's side of one chain (sender device, recipient device, conversation): each new message
 * takes `next()`, then `advance(payload)` once built. A resend reuses the frame's own link.
 */
export class SendChain {
  private link: ChainLink;

  constructor(start: ChainLink = { sequence: randomChainStart(), prevMessageHash: CHAIN_START_HASH }) {
    this.link = start;
  }

  /** The link of the next new message (what to persist to resume the chain later). */
  next(): ChainLink {
    return this.link;
  }

  /** Moves past a message whose encrypted_payload is `payload`: sequence + 1, hash = BLAKE3(payload). */
  advance(payload: Uint8Array): void {
    this.link = { sequence: this.link.sequence + 1n, prevMessageHash: blake3(payload) };
  }
}

/**
 * A recipient's judgement of a new message_id (§8.5): accept; gap (accepted, earlier ones
 * missing); broken (last + 1 with the wrong hash: discard, ack 3, integrity alert); stale
 * (sequence ≤ last: discard, ack 3).
 */
export type ChainVerdict = "accept" | "gap" | "broken" | "stale";

/** What a recipient remembers of one chain. */
export interface ChainState {
  lastSequence: bigint;
  lastHash: Uint8Array;
}

/** §8.5's table; a chain not seen before is accepted (a gap unless it starts with the zero hash). */
export function judgeChain(state: ChainState | undefined, link: ChainLink): ChainVerdict {
  if (state === undefined) return bytesEqual(link.prevMessageHash, CHAIN_START_HASH) ? "accept" : "gap";
  if (link.sequence <= state.lastSequence) return "stale";
  if (link.sequence > state.lastSequence + 1n) return "gap";
  return bytesEqual(link.prevMessageHash, state.lastHash) ? "accept" : "broken";
}

/** Chains a recipient tracks per (sender device, conversation), after verify and decrypt (§8.5). */
export class ChainTracker {
  private readonly chains = new Map<string, ChainState>();

  /** Judges a message and, when it is accepted (accept or gap), makes it the chain's last. */
  observe(
    senderId: Uint8Array,
    conversation: Uint8Array,
    link: ChainLink,
    payload: Uint8Array,
  ): ChainVerdict {
    const key = `${toHex(senderId)}:${toHex(conversation)}`;
    const verdict = judgeChain(this.chains.get(key), link);
    if (verdict === "accept" || verdict === "gap") {
      this.chains.set(key, { lastSequence: link.sequence, lastHash: blake3(payload) });
    }
    return verdict;
  }
}
