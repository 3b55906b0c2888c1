import { readFileSync } from "node:fs";
import { blake3 } from "@noble/hashes/blake3.js";
import type { ChainObserver } from "../../client/device-messaging.ts";
import type { SeenStore } from "../../client/seen-store.ts";
import type { ChainStore } from "../../client/send-chains.ts";
import { NorcError } from "../../errors.ts";
import { fromHex, toHex } from "../../protocol/bytes.ts";
import { type ChainLink, type ChainVerdict, judgeChain } from "../../protocol/send-chain.ts";
import { writeFileAtomic } from "../../util/atomic-write.ts";
import { errnoCode, errnoText } from "../../util/errno.ts";

type Section = "seen" | "received" | "sent";
type StateJson = Partial<Record<Section, Record<string, unknown>>>;

/**
 * What the CLI remembers per device key, in `KEY.state.json` (mode 0600): message_ids shown
 * (§8.3 dedupe, 8 days), the chains received (§8.5) and the chains sent (§6.5). Each change is
 * written at once; only the sections this process changed are replaced.
 */
export class ClientStateFile {
  private readonly data: Required<StateJson>;

  constructor(readonly path: string) {
    const stored = this.read();
    this.data = { seen: stored.seen ?? {}, received: stored.received ?? {}, sent: stored.sent ?? {} };
  }

  /** The state file that goes with a key file. */
  static forKey(keyFile: string): ClientStateFile {
    return new ClientStateFile(`${keyFile}.state.json`);
  }

  private read(): StateJson {
    try {
      return JSON.parse(readFileSync(this.path, "utf8")) as StateJson;
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return {};
      throw new NorcError(`cannot read client state "${this.path}" (${errnoText(error)}): fix or remove it`);
    }
  }

  private write(section: Section): void {
    const current = this.read();
    current[section] = this.data[section];
    writeFileAtomic(this.path, `${JSON.stringify(current)}\n`, 0o600);
  }

  /** The §8.3 dedupe store. */
  seenStore(): SeenStore {
    const seen = this.data.seen as Record<string, number>;
    return {
      has: (id) => seen[id] !== undefined,
      add: (id, atMs) => {
        seen[id] = atMs;
        this.write("seen");
      },
      prune: (beforeMs) => {
        for (const [id, atMs] of Object.entries(seen)) if (atMs < beforeMs) delete seen[id];
      },
    };
  }

  /**
   * The recipient's chains per (sender, conversation), as §8.5 judges them. The chain's own last
   * message coming again (same sequence, same payload) is accepted: it was recorded just before
   * the client stopped, and is not yet in the seen ids.
   */
  receivedChains(): ChainObserver {
    const chains = this.data.received as Record<string, { sequence: string; hash: string }>;
    return {
      observe: (senderId, conversation, link, payload): ChainVerdict => {
        const key = `${toHex(senderId)}:${toHex(conversation)}`;
        const held = chains[key];
        const hash = toHex(blake3(payload));
        if (held !== undefined && BigInt(held.sequence) === link.sequence && held.hash === hash) {
          return "accept"; // the chain's last message again: recorded here, then the client died before its ack
        }
        const state = held && { lastSequence: BigInt(held.sequence), lastHash: fromHex(held.hash) };
        const verdict = judgeChain(state, link);
        if (verdict === "accept" || verdict === "gap") {
          chains[key] = { sequence: link.sequence.toString(), hash };
          this.write("received");
        }
        return verdict;
      },
    };
  }

  /** The sender's next link per (recipient, conversation). */
  sendChainStore(): ChainStore {
    const chains = this.data.sent as Record<string, { sequence: string; prev: string }>;
    return {
      load: (key): ChainLink | undefined => {
        const held = chains[key];
        return held && { sequence: BigInt(held.sequence), prevMessageHash: fromHex(held.prev) };
      },
      save: (key, next) => {
        chains[key] = { sequence: next.sequence.toString(), prev: toHex(next.prevMessageHash) };
        this.write("sent");
      },
    };
  }
}
