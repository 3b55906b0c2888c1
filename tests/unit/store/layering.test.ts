import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "../../../src");
const IMPORT =
  /(?:import|export)(?!\s+type\s)[^"']*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every relative import of each file under src/, resolved to a path relative to src/. */
function importsUnder(dir: string): { file: string; target: string }[] {
  const found: { file: string; target: string }[] = [];
  for (const file of new Bun.Glob("**/*.ts").scanSync(join(SRC, dir))) {
    const path = join(SRC, dir, file);
    for (const match of readFileSync(path, "utf8").matchAll(IMPORT)) {
      const spec = match[1] ?? match[2] ?? "";
      if (!spec.startsWith(".")) continue;
      found.push({ file: relative(SRC, path), target: relative(SRC, resolve(path, "..", spec)) });
    }
  }
  return found;
}

/**
 * Who may choose a store implementation (MESSAGING.md): the composition root and the offline
 * admin commands. `daemon/open-store.ts` is the one place both open the sqlite store
 * (`daemon/open-cluster-store.ts` the Postgres one of cluster mode);
 * `daemon/backups.ts` and `daemon/backup-on-instance.ts` handle its backup files. Type-only
 * imports choose nothing and are not counted.
 */
const MAY_CHOOSE_A_STORE = new Set([
  "daemon/open-store.ts",
  "daemon/backups.ts",
  "daemon/backup-on-instance.ts",
  "daemon/open-cluster-store.ts",
]);

test("the store imports nothing above it: no protocol, session, relay, server, daemon or cli", () => {
  const imports = importsUnder("store");
  expect(imports.length).toBeGreaterThan(20);
  const upward = imports.filter(({ target }) => !/^(store|errors\.ts|util|log|config)(\/|$)/.test(target));
  expect(upward).toEqual([]);
});

test("only the composition root and offline admin commands import a store implementation", () => {
  const choosers = importsUnder("")
    .filter(({ target }) => /^store\/(memory|sqlite|postgres)\//.test(target))
    .filter(({ file }) => !file.startsWith("store/") && !MAY_CHOOSE_A_STORE.has(file));
  expect(choosers).toEqual([]);
});
