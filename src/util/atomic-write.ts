import { chmodSync, renameSync, unlinkSync, writeFileSync } from "node:fs";

/**
 * Writes `data` to `path` atomically: a temp file beside it (`<path>.<pid>.tmp`, created with
 * `mode` and chmod'ed to it despite the umask), then rename. Readers never see a partial file.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data, { mode });
    chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    unlinkQuietly(temp);
    throw error;
  }
}

/** Removes a file; a file that is already gone (or cannot be removed) is not an error. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}
