import { expect, test } from "bun:test";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { addDevices, id, sendWork } from "./store-fixtures.ts";

const QUOTA_BYTES = 1 << 20;

test("sqlite: once the quota is full, acks make room again (free pages do not count) and new messages are accepted", async () => {
  const dir = tempDir("norc-store-quota-");
  const store = SqliteStore.open(dir.path, { quotaBytes: QUOTA_BYTES });
  try {
    await addDevices(store, 2);
    let n = 0;
    let outcome = await store.commit(sendWork(++n, 1, 2, { size: 4096 }));
    while (outcome.status === "ok" && n < 5000)
      outcome = await store.commit(sendWork(++n, 1, 2, { size: 4096 }));
    expect(outcome.status).toBe("disk_full");
    for (const entry of await store.mailboxPage(id(2), 0, 10_000)) {
      const ack = await store.commit({ writes: [{ type: "deleteEntry", recipient: id(2), seq: entry.seq }] });
      expect(ack.status).toBe("ok");
    }
    expect((await store.commit(sendWork(n + 1, 1, 2, { size: 4096 }))).status).toBe("ok");
  } finally {
    await store.close();
    dir.cleanup();
  }
});
