import { existsSync, renameSync, rmSync } from "node:fs";

/**
 * Shifts `path` → `path.1` → `path.2` …, so that with the fresh `path` opened next there are at most
 * `maxFiles` files in total (the active one included). Older files, also beyond a lowered limit, go.
 */
export function rotateFiles(path: string, maxFiles: number): void {
  const keepRotated = Math.max(0, maxFiles - 1);
  const numbered = (index: number) => `${path}.${index}`;
  for (let index = Math.max(1, keepRotated); index === keepRotated || existsSync(numbered(index)); index++) {
    rmSync(numbered(index), { force: true });
  }
  for (let index = keepRotated - 1; index >= 1; index--) {
    if (existsSync(numbered(index))) renameSync(numbered(index), numbered(index + 1));
  }
  if (keepRotated === 0) rmSync(path, { force: true });
  else if (existsSync(path)) renameSync(path, numbered(1));
}
