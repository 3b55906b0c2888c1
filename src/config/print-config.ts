import { redactUrl } from "./cluster-url.ts";
import type { Config } from "./schema.ts";
import { keysAt, sectionNames } from "./schema-keys.ts";

/** A value as TOML; unset (undefined) is written as "", which the config reads as unset. */
function tomlValue(value: unknown): string {
  if (value === undefined) return '""';
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/**
 * The merged configuration as TOML, every key with a comment saying where its value came from
 * (like `nginx -T`). Paths are shown resolved, as the server uses them; the text parses back to
 * the same configuration (but for a database password, shown as ***).
 */
export function printConfig(config: Config, origins: Record<string, string>, header: string): string {
  const lines = [`# ${header}`];
  const values = config as unknown as Record<string, Record<string, unknown>>;
  for (const section of sectionNames()) {
    const rows = keysAt([section]).map((key) => {
      const raw = values[section]?.[key];
      // A password inside the database URL is never printed.
      const value =
        section === "cluster" && key === "database_url" && typeof raw === "string" ? redactUrl(raw) : raw;
      const origin = origins[`${section}.${key}`] ?? "default";
      return {
        text: `${key} = ${tomlValue(value)}`,
        note: value === undefined ? `${origin} (unset)` : origin,
      };
    });
    const width = Math.max(...rows.map((row) => row.text.length));
    lines.push("", `[${section}]`, ...rows.map((row) => `${row.text.padEnd(width)}  # ${row.note}`));
  }
  return `${lines.join("\n")}\n`;
}
