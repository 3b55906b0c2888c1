import { isTable } from "../util/is-table.ts";
import { FLAG_TO_CONFIG_PATH } from "./flag-overrides.ts";
import { keysAt, sectionNames } from "./schema-keys.ts";
import { lineOf } from "./toml-lines.ts";

/** What the value of each key was taken from, as the sources merge (for `validate-config --print`). */
export interface OriginInputs {
  /** The file's values (empty strings already dropped) and where each key is written. */
  file?: { shownAs: string; data: Record<string, unknown>; lines: Map<string, number> };
  /** dotted path -> NORC_* variable that set it. */
  env: Record<string, string>;
  /** dotted path -> raw flag text. */
  flags: Record<string, string>;
}

/**
 * dotted path -> `flag --port`, `env NORC_NETWORK_PORT`, `file config.toml:3` or `default`, for
 * every key of the schema: the highest source that sets it (flags > environment > file > default).
 */
export function valueOrigins(inputs: OriginInputs): Record<string, string> {
  const origins: Record<string, string> = {};
  for (const section of sectionNames()) {
    for (const key of keysAt([section])) {
      const path = `${section}.${key}`;
      origins[path] = originOf(path, [section, key], inputs);
    }
  }
  return origins;
}

function originOf(path: string, keys: [string, string], inputs: OriginInputs): string {
  const flag = Object.entries(FLAG_TO_CONFIG_PATH).find(([, target]) => target === path)?.[0];
  if (flag !== undefined && (inputs.flags[path] ?? "").trim() !== "") return `flag --${flag}`;
  const variable = inputs.env[path];
  if (variable !== undefined) return `env ${variable}`;
  const file = inputs.file;
  const table = file?.data[keys[0]];
  if (file && isTable(table) && (table as Record<string, unknown>)[keys[1]] !== undefined) {
    const line = lineOf(file.lines, keys);
    return `file ${file.shownAs}${line === undefined ? "" : `:${line}`}`;
  }
  return "default";
}
