import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { storeContract } from "./contract.ts";

storeContract("sqlite", () => {
  const dir = tempDir("norc-store-");
  return {
    open: async (options) => SqliteStore.open(dir.path, options),
    durable: true,
    cleanup: dir.cleanup,
  };
});
