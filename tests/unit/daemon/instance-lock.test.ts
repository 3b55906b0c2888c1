import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { acquireInstanceLock } from "../../../src/daemon/instance-lock.ts";
import { tempDir } from "../../helpers/binary.ts";

const deadPid = () => {
  const child = Bun.spawnSync(["true"]);
  return child.pid;
};

describe("acquireInstanceLock", () => {
  test("a free lock is taken, holds our pid, and release removes it", () => {
    const dir = tempDir();
    try {
      const lock = join(dir.path, "x.lock");
      const result = acquireInstanceLock(lock);
      expect(result.acquired).toBe(true);
      expect(readFileSync(lock, "utf8")).toBe(`${process.pid}\n`);
      if (result.acquired) result.release();
      expect(existsSync(lock)).toBe(false);
    } finally {
      dir.cleanup();
    }
  });

  test("a lock held by a live instance is refused with its pid", () => {
    const dir = tempDir();
    try {
      const lock = join(dir.path, "x.lock");
      writeFileSync(lock, "1\n");
      const result = acquireInstanceLock(lock, { isInstance: (pid) => pid === 1 });
      expect(result).toEqual({ acquired: false, ownerPid: 1 });
    } finally {
      dir.cleanup();
    }
  });

  test.each([
    ["a dead pid", () => `${deadPid()}\n`],
    ["pid 1 (alive, not a norc-server)", () => "1\n"],
    ["garbage written long ago", () => "not a pid"],
  ])("a stale lock naming %s is taken over", (_name, content) => {
    const dir = tempDir();
    try {
      const lock = join(dir.path, "x.lock");
      writeFileSync(lock, content());
      if (content().startsWith("not")) Bun.spawnSync(["touch", "-d", "1 hour ago", lock]);
      const result = acquireInstanceLock(lock);
      expect(result.acquired).toBe(true);
      expect(readFileSync(lock, "utf8")).toBe(`${process.pid}\n`);
    } finally {
      dir.cleanup();
    }
  });

  test("six processes racing for a stale lock: exactly one wins, the others name it", async () => {
    const dir = tempDir();
    try {
      const lock = join(dir.path, "x.lock");
      writeFileSync(lock, `${deadPid()}\n`);
      const script = resolve(import.meta.dir, "../../fixtures/daemon/lock-race.ts");
      const startAt = String(Date.now() + 1500);
      const children = Array.from({ length: 6 }, () =>
        Bun.spawn([process.execPath, script, lock, startAt], { stdout: "pipe", stderr: "inherit" }),
      );
      const lines = (await Promise.all(children.map((child) => new Response(child.stdout).text()))).map(
        (line) => line.trim(),
      );
      const winners = lines.filter((line) => line === "won");
      expect(winners).toHaveLength(1);
      const winnerPid = children[lines.indexOf("won")]?.pid;
      expect(lines.filter((line) => line === `lost ${winnerPid}`)).toHaveLength(5);
      expect(existsSync(lock)).toBe(false);
    } finally {
      dir.cleanup();
    }
  }, 20_000);
});
