import { MemoryStore } from "../../../src/store/memory/memory-store.ts";
import { storeContract } from "./contract.ts";

storeContract("memory", () => ({
  open: async (options) => new MemoryStore(options),
  durable: false,
  cleanup: () => {},
}));
