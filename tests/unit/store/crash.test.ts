import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { id } from "./store-fixtures.ts";

const STORM = resolve(import.meta.dir, "../../fixtures/store/commit-storm.ts");

/**
 * kill -9 in the middle of 10,000 concurrent commits: after reopening, every commit whose promise
 * resolved (printed by the child before it died) is there, and the database passes its integrity check.
 */
test("kill -9 during 10,000 concurrent commits loses no resolved commit; the database stays whole", async () => {
  const dir = tempDir("norc-crash-");
  try {
    const child = Bun.spawn([process.execPath, STORM, dir.path, "10000"], {
      stdout: "pipe",
      stderr: "inherit",
    });
    const resolved = new Set<number>();
    const decoder = new TextDecoder();
    let buffered = "";
    let finished = false;
    for await (const chunk of child.stdout) {
      buffered += decoder.decode(chunk);
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("ok ")) resolved.add(Number(line.slice(3)));
        if (line === "done") finished = true;
      }
      if (resolved.size >= 3000) {
        child.kill("SIGKILL");
        break;
      }
    }
    await child.exited;
    expect(finished).toBe(false);
    expect(resolved.size).toBeGreaterThanOrEqual(3000);

    const check = new Database(join(dir.path, "norc.db"));
    expect(check.query("PRAGMA integrity_check").values()).toEqual([["ok"]]);
    check.close();
    const store = SqliteStore.open(dir.path);
    const present = new Set<number>();
    for (let after = 0; ; ) {
      const page = await store.mailboxPage(id(2), after, 1000);
      if (page.length === 0) break;
      for (const entry of page)
        present.add(new DataView(entry.frame.buffer, entry.frame.byteOffset).getUint32(0));
      after = page.at(-1)?.seq ?? after;
    }
    await store.close();
    const missing = [...resolved].filter((n) => !present.has(n));
    expect(missing).toEqual([]);
  } finally {
    dir.cleanup();
  }
}, 60_000);
