import { readFileSync } from "node:fs";
import { errnoCode } from "../util/errno.ts";

/** The last content read of each file the server re-reads on reload (TLS files). */
const copies = new Map<string, string>();

/** A file's text, and whether it is the copy read earlier because the file cannot be read now. */
export interface KeptText {
  text: string;
  kept: boolean;
}

/**
 * Reads `path` (utf8) and remembers it. After the switch to daemon.user a file that user may not
 * read (EACCES, EPERM) yields the copy read before the switch instead of failing every reload;
 * any other error (a missing file, say) still throws.
 */
export function readKept(path: string): KeptText {
  try {
    const text = readFileSync(path, "utf8");
    copies.set(path, text);
    return { text, kept: false };
  } catch (error) {
    const copy = copies.get(path);
    const denied = ["EACCES", "EPERM"].includes(errnoCode(error) ?? "");
    if (copy === undefined || !denied) throw error;
    return { text: copy, kept: true };
  }
}
