import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseTOML } from "confbox";
import * as v from "valibot";
import { CONFIG_TEMPLATE } from "../../../src/config/config-template.ts";
import { ConfigSchema, defaultConfig } from "../../../src/config/schema.ts";
import { keysAt, sectionNames } from "../../../src/config/schema-keys.ts";

const raw = parseTOML<Record<string, Record<string, unknown>>>(CONFIG_TEMPLATE);
const defaults = defaultConfig() as unknown as Record<string, Record<string, unknown>>;

describe("config template", () => {
  test("parses to exactly the schema defaults", () => {
    expect(v.parse(ConfigSchema, raw)).toEqual(defaultConfig());
  });

  test("writes every default value itself (not left to the schema)", () => {
    for (const section of sectionNames()) {
      for (const key of keysAt([section])) {
        const value = defaults[section]?.[key];
        if (value !== undefined)
          expect({ [`${section}.${key}`]: raw[section]?.[key] }).toEqual({ [`${section}.${key}`]: value });
      }
    }
  });

  test("names every section and key: set, or shown commented out when it has no default", () => {
    for (const section of sectionNames()) {
      expect(CONFIG_TEMPLATE).toContain(`\n[${section}]\n`);
      for (const key of keysAt([section])) {
        if (defaults[section]?.[key] === undefined)
          expect(CONFIG_TEMPLATE).toMatch(new RegExp(`\\n# ${key} = `));
      }
    }
  });

  test("examples/config.toml is the template", () => {
    const example = readFileSync(resolve(import.meta.dir, "../../../examples/config.toml"), "utf8");
    expect(example).toBe(CONFIG_TEMPLATE);
  });
});
