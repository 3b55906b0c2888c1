import { accessSync, constants, type Stats, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { errnoText } from "../util/errno.ts";

/** The errno of `access(path, mode)`, or undefined when allowed. */
function denied(path: string, mode: number): string | undefined {
  try {
    accessSync(path, mode);
    return undefined;
  } catch (error) {
    return errnoText(error);
  }
}

/** stat(2) of `path`, or its errno. */
function statOrErrno(path: string): Stats | string {
  try {
    return statSync(path);
  } catch (error) {
    return errnoText(error);
  }
}

/** The nearest path at or above `path` that exists (a missing or non-directory parent walks up). */
function nearestExisting(path: string): { at: string; isDirectory: boolean } | { error: string } {
  let current = path;
  for (;;) {
    const info = statOrErrno(current);
    if (typeof info !== "string") return { at: current, isDirectory: info.isDirectory() };
    const parent = dirname(current);
    if (!["ENOENT", "ENOTDIR"].includes(info) || parent === current)
      return { error: `${info} on "${current}"` };
    current = parent;
  }
}

/** A directory that exists and is writable, or could be created (its nearest existing ancestor is writable). */
export async function checkDirectory(key: string, dir: string, fix: string): Promise<string | undefined> {
  const found = nearestExisting(dir);
  if ("error" in found) return `${key}: cannot use "${dir}" (${found.error}): ${fix}`;
  if (!found.isDirectory)
    return `${key}: cannot use "${dir}" (ENOTDIR: "${found.at}" is not a directory): ${fix}`;
  const errno = denied(found.at, constants.W_OK | constants.X_OK);
  return errno ? `${key}: cannot create or write to "${dir}" (${errno} on "${found.at}"): ${fix}` : undefined;
}

/** A file name to suggest when a config key names a directory instead of a file. */
const FILE_EXAMPLES: Record<string, string> = {
  "logging.file": "server.log",
  "daemon.pid_file": "norc-server.pid",
};

/** A file the server writes: if it exists it must be a writable file, else its directory must be usable. */
export async function checkWritableFile(key: string, file: string, fix: string): Promise<string | undefined> {
  const stats = statOrErrno(file);
  const info = typeof stats === "string" ? undefined : stats;
  if (info?.isDirectory()) {
    const example = join(file, FILE_EXAMPLES[key] ?? "file");
    return `${key}: "${file}" is a directory (EISDIR): give the path of a file in it, e.g. "${example}"`;
  }
  if (!info) return await checkDirectory(key, dirname(file), fix);
  const errno = denied(file, constants.W_OK);
  return errno ? `${key}: cannot write to "${file}" (${errno}): ${fix}` : undefined;
}

/** A directory the server changes into: it must exist. */
export async function checkExistingDirectory(key: string, dir: string): Promise<string | undefined> {
  const info = statOrErrno(dir);
  if (typeof info === "string") return `${key}: cannot use "${dir}" (${info}): create it or fix the path`;
  return info.isDirectory() ? undefined : `${key}: "${dir}" is not a directory (ENOTDIR): fix the path`;
}

/** A file the server reads (a secret, say): it must exist, be a file, and be readable. */
export async function checkReadableFile(key: string, file: string): Promise<string | undefined> {
  const info = statOrErrno(file);
  if (typeof info === "string") return `${key}: cannot read "${file}" (${info}): create it or fix the path`;
  if (info.isDirectory()) return `${key}: "${file}" is a directory (EISDIR): give the path of a file`;
  const errno = denied(file, constants.R_OK);
  return errno
    ? `${key}: cannot read "${file}" (${errno}): make it readable by the server's user`
    : undefined;
}
