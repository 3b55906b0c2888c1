import { isTable } from "../util/is-table.ts";
import { expectedKind } from "./schema-keys.ts";

type Table = Record<string, unknown>;

/** A copy without keys whose value is an empty (or blank) string: "" means unset, so the default applies. */
export function dropEmpty(table: Table): Table {
  const copy: Table = {};
  for (const [key, value] of Object.entries(table)) {
    if (typeof value === "string" && value.trim() === "") continue;
    copy[key] = isTable(value) ? dropEmpty(value) : value;
  }
  return copy;
}

/** Text from the environment or a flag, as the type the schema expects at that path (else unchanged). */
export function coerce(dottedPath: string, text: string): unknown {
  const kind = expectedKind(dottedPath);
  const trimmed = text.trim();
  if (kind === "number" && /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) return Number(trimmed);
  if (kind === "boolean" && /^(true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === "true";
  return text;
}

/**
 * Sets each dotted path to its coerced value, creating tables on the way. A path whose parent is
 * not a table in the file (e.g. `network = 5`) is left alone: the schema reports the file's value.
 */
export function applyOverrides(target: Table, overrides: Record<string, string>): void {
  for (const [dottedPath, text] of Object.entries(overrides)) {
    if (text.trim() === "") continue;
    const keys = dottedPath.split(".");
    const last = keys.pop() as string;
    let table: Table | undefined = target;
    for (const key of keys) {
      if (table[key] === undefined) table[key] = {};
      const next: unknown = table[key];
      if (!isTable(next)) {
        table = undefined;
        break;
      }
      table = next;
    }
    if (table) table[last] = coerce(dottedPath, text);
  }
}
