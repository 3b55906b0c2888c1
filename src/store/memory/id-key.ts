import type { Id } from "../records.ts";

/** A Map key for an id: its lowercase hex. */
export function idKey(id: Id): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("hex");
}

/** Whether two ids hold the same bytes. */
export function sameId(a: Id, b: Id): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
