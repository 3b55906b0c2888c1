import { toHex } from "../protocol/bytes.ts";
import { type ChainLink, SendChain } from "../protocol/send-chain.ts";

/** Where a sender keeps its chains between runs: the next link per "recipient:conversation" (hex). */
export interface ChainStore {
  load(key: string): ChainLink | undefined;
  save(key: string, next: ChainLink): void;
}

/**
 * The sender's chains (§6.5), one per (recipient device, conversation); this device is the
 * sender. A chain not in the store starts at a random sequence with the zero hash.
 */
export class SendChains {
  private readonly chains = new Map<string, SendChain>();

  constructor(private readonly store?: ChainStore) {}

  /** The key of the chain to `recipientId` in `conversation`: "recipient:conversation" (hex). */
  static keyOf(recipientId: Uint8Array, conversation: Uint8Array): string {
    return `${toHex(recipientId)}:${toHex(conversation)}`;
  }

  /** The chain to `recipientId` in `conversation`. */
  chain(recipientId: Uint8Array, conversation: Uint8Array): SendChain {
    const key = SendChains.keyOf(recipientId, conversation);
    let chain = this.chains.get(key);
    if (chain === undefined) {
      const stored = this.store?.load(key);
      chain = stored === undefined ? new SendChain() : new SendChain(stored);
      this.chains.set(key, chain);
    }
    return chain;
  }

  /** Records that `chain` moved (after a message was composed on it). */
  saved(recipientId: Uint8Array, conversation: Uint8Array, chain: SendChain): void {
    this.store?.save(SendChains.keyOf(recipientId, conversation), chain.next());
  }
}
