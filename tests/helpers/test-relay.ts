import type { ServerIdentity } from "../../src/protocol/server-handshake.ts";
import { Relay } from "../../src/relay/relay.ts";
import { relayFrames } from "../../src/session/relay-frames.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";

/** A relay over an in-memory store with NCP-1's default settings, its frames signed by `identity`. */
export function testRelay(identity: ServerIdentity, store = new MemoryStore()): Relay {
  return new Relay({ store, frames: relayFrames(identity) });
}
