import { isTable } from "../util/is-table.ts";
import { ConfigSchema } from "./schema.ts";

/** The shape of a valibot schema that this module looks into (optional wrappers and object entries). */
interface SchemaNode {
  type: string;
  wrapped?: SchemaNode;
  entries?: Record<string, SchemaNode>;
}

function unwrap(node: SchemaNode | undefined): SchemaNode | undefined {
  return node?.type === "optional" ? node.wrapped : node;
}

/** The config sections, in schema order: network, tls, logging, storage, daemon, metrics, registration, session, queue, limits, cluster. */
export function sectionNames(): string[] {
  return Object.keys(ConfigSchema.entries);
}

/** The keys allowed inside a table at `path` ([] = the top level, ["network"] = its keys). */
export function keysAt(path: readonly string[]): string[] {
  let node: SchemaNode | undefined = ConfigSchema as unknown as SchemaNode;
  for (const key of path) node = unwrap(node?.entries?.[key]);
  return Object.keys(node?.entries ?? {});
}

/** The value kind the schema expects at a dotted path: "number", "boolean", "string", or undefined if unknown. */
export function expectedKind(dottedPath: string): "number" | "boolean" | "string" | undefined {
  let node: SchemaNode | undefined = ConfigSchema as unknown as SchemaNode;
  for (const key of dottedPath.split(".")) node = unwrap(node?.entries?.[key]);
  if (node === undefined) return undefined;
  if (node.type === "number" || node.type === "boolean") return node.type;
  return node.entries ? undefined : "string";
}

/** Every key of `input` the schema does not know, as paths (valibot's strictObject reports only the first). */
export function unknownKeyPaths(input: unknown, path: string[] = []): string[][] {
  if (!isTable(input)) return [];
  const known = keysAt(path);
  const found: string[][] = [];
  for (const [key, value] of Object.entries(input)) {
    if (!known.includes(key)) found.push([...path, key]);
    else if (path.length === 0) found.push(...unknownKeyPaths(value, [key]));
  }
  return found;
}
