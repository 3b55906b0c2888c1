import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { keysAt, sectionNames } from "../../../src/config/schema-keys.ts";

const README = readFileSync(resolve(import.meta.dir, "../../../README.md"), "utf8");

/** The README's `### \`[section]\`` part, up to the next heading of that level or above. */
function readmeSection(section: string): string {
  const start = README.indexOf(`### \`[${section}]\``);
  if (start < 0) return "";
  const rest = README.slice(start + 4);
  const end = rest.search(/\n#{2,3} /);
  return end < 0 ? rest : rest.slice(0, end);
}

describe("README configuration tables", () => {
  test.each(sectionNames())("[%s]: every key of the schema is named in its section", (section) => {
    const text = readmeSection(section);
    const missing = keysAt([section]).filter((key) => !text.includes(`\`${key}\``));
    expect({ section, found: text.length > 0, missing }).toEqual({ section, found: true, missing: [] });
  });
});
