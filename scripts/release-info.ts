/** Where releases are published; the installer, formula and manifest point here. */
export const REPOSITORY = "navatron/norc-server";
export const HOMEPAGE = `https://github.com/${REPOSITORY}`;
export const DESCRIPTION = "Production daemon for the NORC (NavaTron Open Real-time Communication) protocol";
export const LICENSE = "Apache-2.0";

/** The download URL of release `version` (without the leading v), e.g. `.../releases/download/v0.1.0`. */
export function releaseBaseUrl(version: string): string {
  return `${HOMEPAGE}/releases/download/v${version}`;
}

/** The version in package.json. */
export async function packageVersion(): Promise<string> {
  const pkg = (await Bun.file(new URL("../package.json", import.meta.url)).json()) as { version: string };
  return pkg.version;
}

/** Parses a coreutils `SHA256SUMS` text into file name -> lower-case hex digest. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (match?.[1] && match[2]) sums.set(match[2], match[1].toLowerCase());
  }
  return sums;
}

/** What writing a generated release file did: written, or why not. */
export interface WriteOutcome {
  written: boolean;
  path: string;
  reason?: string;
}

/**
 * Writes `path` from SHA256SUMS when `sums` lists every asset in `assets`; `render` gets the
 * package version and the checksums. Shared by the Homebrew formula and the Scoop manifest.
 */
export async function writeFromChecksums(
  path: string,
  sumsText: string,
  assets: readonly string[],
  render: (version: string, sums: Map<string, string>) => string,
): Promise<WriteOutcome> {
  const sums = parseChecksums(sumsText);
  const missing = assets.filter((asset) => !sums.has(asset));
  if (missing.length > 0) return { written: false, path, reason: `not built: ${missing.join(", ")}` };
  await Bun.write(path, render(await packageVersion(), sums));
  return { written: true, path };
}
