import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * The layer rule of MESSAGING.md, checked over the import graph of src/ (static imports,
 * `import()` and `require()`): each folder imports only the folders listed for it.
 *   cli -> daemon -> server -> session -> relay -> store;  session -> protocol;  client -> protocol
 *   config, log, util, errors (and text, build-info): the bottom, importing only each other.
 */
const BOTTOM = ["config", "log", "util", "errors", "text", "build-info"];
const ALLOWED: Record<string, string[]> = {
  main: ["cli", ...BOTTOM],
  cli: ["daemon", "server", "session", "relay", "store", "protocol", "client", ...BOTTOM],
  daemon: ["server", "session", "relay", "store", "protocol", ...BOTTOM],
  server: ["session", ...BOTTOM],
  session: ["relay", "protocol", ...BOTTOM],
  relay: ["store", ...BOTTOM],
  store: BOTTOM,
  protocol: BOTTOM,
  client: ["protocol", ...BOTTOM],
  ...Object.fromEntries(BOTTOM.map((name) => [name, BOTTOM])),
};

const SRC = resolve(import.meta.dir, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Relative imports of a file, resolved to files under src/. */
export function importsOf(file: string, text = readFileSync(file, "utf8")): string[] {
  const specifiers = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g),
    ...text.matchAll(/(?:import|require)\(\s*"(\.[^"]+)"\s*\)/g),
  ].map((match) => match[1] as string);
  return specifiers.filter((spec) => spec.endsWith(".ts")).map((spec) => resolve(dirname(file), spec));
}

/** The layer of a file: its top folder under src/, or its name for a top-level file. */
export function layerOf(file: string): string {
  const [first = "", ...rest] = relative(SRC, file).split("/");
  return rest.length === 0 ? first.replace(/\.ts$/, "") : first;
}

/** Imports that break the rule, as "from -> to" lines. */
export function layerViolations(graph: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const target of targets) {
      const to = layerOf(target);
      if (to !== from && !(ALLOWED[from] ?? []).includes(to)) {
        bad.push(`${relative(SRC, file)} -> ${relative(SRC, target)} (${from} may not import ${to})`);
      }
    }
  }
  return bad;
}

/** One file cycle, if the graph has any (depth-first search). */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of graph.keys()) {
    if (state.get(file) !== undefined) continue;
    const found = visit(file);
    if (found) return found.map((path) => relative(SRC, path));
  }
  return undefined;
}

const graph = new Map(sourceFiles(SRC).map((file) => [file, importsOf(file)]));

test("every import of src/ follows the layer rule of MESSAGING.md", () => {
  expect(layerViolations(graph)).toEqual([]);
});

test("no file of src/ imports itself through a cycle", () => {
  expect(findCycle(graph)).toBeUndefined();
});

test("the check finds a planted forbidden import and a planted cycle", () => {
  const protocolFile = join(SRC, "protocol/header.ts");
  const planted = new Map(graph);
  planted.set(protocolFile, [...(graph.get(protocolFile) ?? []), join(SRC, "server/connection.ts")]);
  expect(layerViolations(planted)).toEqual([
    "protocol/header.ts -> server/connection.ts (protocol may not import server)",
  ]);
  const a = join(SRC, "util/a.ts");
  const b = join(SRC, "util/b.ts");
  expect(
    findCycle(
      new Map([
        [a, [b]],
        [b, [a]],
      ]),
    ),
  ).toEqual(["util/a.ts", "util/b.ts", "util/a.ts"]);
});
