import { type Stats, statSync } from "node:fs";
import { dirname } from "node:path";

/** A process identity to check file access for: its uid and every gid it will hold. */
export interface AccessIdentity {
  uid: number;
  gids: number[];
}

/** Access bits as in the mode: read 4, write 2, search/execute 1. */
export const READ = 4;
export const WRITE = 2;
export const SEARCH = 1;

/** Why `who` is refused `bits` on `path` ("mode 0700, owner 0:0"), or undefined when allowed (mode bits; ACLs not read). */
export function deniedAs(path: string, who: AccessIdentity, bits: number): string | undefined {
  let info: Stats;
  try {
    info = statSync(path);
  } catch {
    return undefined;
  }
  if (who.uid === 0) return undefined;
  const mode = info.mode & 0o777;
  const shift = info.uid === who.uid ? 6 : who.gids.includes(info.gid) ? 3 : 0;
  if (((mode >> shift) & bits) === bits) return undefined;
  return `mode ${mode.toString(8).padStart(4, "0")}, owner ${info.uid}:${info.gid}`;
}

/** The first existing directory above `path` that `who` cannot search, with why; undefined when all can be. */
export function unsearchableAncestor(
  path: string,
  who: AccessIdentity,
): { dir: string; why: string } | undefined {
  const ancestors: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    ancestors.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of ancestors) {
    const why = deniedAs(dir, who, SEARCH);
    if (why !== undefined) return { dir, why };
  }
  return undefined;
}
