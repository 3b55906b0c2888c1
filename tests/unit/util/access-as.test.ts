import { afterEach, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deniedAs, READ, SEARCH, unsearchableAncestor, WRITE } from "../../../src/util/access-as.ts";
import { tempDir } from "../../helpers/binary.ts";

const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

/** A file with `mode`, owned by uid 4000 / gid 4001 where this process may chown (root), else by us. */
function fileWithMode(mode: number): { path: string; uid: number; gid: number } {
  const dir = tempDir("norc-access-");
  dirs.push(dir);
  const path = join(dir.path, "f");
  writeFileSync(path, "x");
  chmodSync(path, mode);
  if (process.getuid?.() === 0) chownSync(path, 4000, 4001);
  const own =
    process.getuid?.() === 0
      ? { uid: 4000, gid: 4001 }
      : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  return { path, ...own };
}

test("owner, group and other bits are read for the identity given, not for this process", () => {
  const { path, uid, gid } = fileWithMode(0o640);
  expect(deniedAs(path, { uid, gids: [] }, READ | WRITE)).toBeUndefined();
  expect(deniedAs(path, { uid: uid + 1, gids: [gid] }, READ)).toBeUndefined();
  expect(deniedAs(path, { uid: uid + 1, gids: [gid] }, WRITE)).toBe(`mode 0640, owner ${uid}:${gid}`);
  expect(deniedAs(path, { uid: uid + 1, gids: [gid + 1] }, READ)).toBe(`mode 0640, owner ${uid}:${gid}`);
  expect(deniedAs(path, { uid: 0, gids: [] }, READ | WRITE)).toBeUndefined();
  expect(deniedAs(join(path, "missing"), { uid: uid + 1, gids: [] }, READ)).toBeUndefined();
});

test("the first directory above a path that cannot be searched is named", () => {
  const dir = tempDir("norc-access-");
  dirs.push(dir);
  const inner = join(dir.path, "a", "b");
  mkdirSync(inner, { recursive: true });
  chmodSync(join(dir.path, "a"), 0o700);
  chmodSync(dir.path, 0o755);
  const stranger = { uid: 4242, gids: [4242] };
  const blocked = unsearchableAncestor(join(inner, "not-yet", "file"), stranger);
  expect(blocked?.dir).toBe(join(dir.path, "a"));
  expect(blocked?.why).toStartWith("mode 0700");
  chmodSync(join(dir.path, "a"), 0o711);
  expect(unsearchableAncestor(join(inner, "file"), stranger)).toBeUndefined();
  expect(deniedAs(join(dir.path, "a"), stranger, SEARCH)).toBeUndefined();
});
