import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { $ } from "bun";
import { archiveDir, archiveName, type Target } from "./targets.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Files every archive carries beside the binary. */
export const ARCHIVE_EXTRAS = ["README.md", "LICENSE", "examples"];

/** Lays out `<stageRoot>/norc-server-<target>/` with README.md, LICENSE and examples/; returns it. */
export function stage(target: Target, stageRoot: string): string {
  const dir = join(stageRoot, archiveDir(target));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const name of ARCHIVE_EXTRAS) {
    const from = join(ROOT, name);
    if (!existsSync(from))
      throw new Error(`cannot pack ${target.name}: ${from} is missing (every archive ships it)`);
    cpSync(from, join(dir, name), { recursive: true });
  }
  return dir;
}

/**
 * macOS kills a compiled Bun binary whose signature was invalidated by the appended payload:
 * on a macOS host, strip it and sign ad hoc. Returns false (nothing done) on other hosts.
 */
export async function resignDarwin(target: Target, binary: string): Promise<boolean> {
  if (target.os !== "darwin" || process.platform !== "darwin") return false;
  await $`codesign --remove-signature ${binary}`.quiet();
  await $`codesign --force --sign - ${binary}`.quiet();
  await $`codesign --verify --verbose ${binary}`.quiet();
  return true;
}

/** Packs the staged directory into `<outDir>/<archive>` (tar.gz, or zip for Windows); returns its path. */
export async function pack(target: Target, stageRoot: string, outDir: string): Promise<string> {
  const out = join(outDir, archiveName(target));
  rmSync(out, { force: true });
  const dir = archiveDir(target);
  if (target.os === "windows") {
    if (!Bun.which("zip")) {
      throw new Error(`cannot pack ${archiveName(target)}: the zip command is missing (apt-get install zip)`);
    }
    await $`zip -q -r -X ${out} ${dir}`.cwd(stageRoot);
  } else {
    // COPYFILE_DISABLE: macOS tar would otherwise add AppleDouble `._*` entries for extended attributes.
    await $`tar -czf ${out} ${dir}`.cwd(stageRoot).env({ ...process.env, COPYFILE_DISABLE: "1" });
  }
  return out;
}

/** Writes `<outDir>/SHA256SUMS` (coreutils format, sorted) over the given archives; returns its text. */
export async function writeChecksums(outDir: string, archives: string[]): Promise<string> {
  const lines: string[] = [];
  for (const name of [...archives].sort()) {
    const hasher = new Bun.CryptoHasher("sha256");
    hasher.update(await Bun.file(join(outDir, name)).arrayBuffer());
    lines.push(`${hasher.digest("hex")}  ${name}`);
  }
  const text = `${lines.join("\n")}\n`;
  await Bun.write(join(outDir, "SHA256SUMS"), text);
  return text;
}

/** Removes what an earlier build:all left in `outDir` (archives, sums, formula, manifest), nothing else. */
export function cleanReleaseFiles(outDir: string): void {
  if (!existsSync(outDir)) return;
  for (const name of readdirSync(outDir)) {
    const ours =
      /^norc-server-.+\.(tar\.gz|zip)$/.test(name) ||
      ["SHA256SUMS", "norc-server.rb", "norc-server.json"].includes(name);
    if (ours) rmSync(join(outDir, name), { force: true });
  }
}

/** Size of a file in MiB, for the build report. */
export function sizeMiB(path: string): string {
  return `${(statSync(path).size / 1024 / 1024).toFixed(1)} MiB`;
}
