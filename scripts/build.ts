import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { compile } from "./compile.ts";
import { writeFormula } from "./homebrew-formula.ts";
import { cleanReleaseFiles, pack, resignDarwin, sizeMiB, stage, writeChecksums } from "./pack.ts";
import { writeManifest } from "./scoop-manifest.ts";
import { archiveName, binaryName, findTarget, TARGETS, type Target } from "./targets.ts";

/**
 * `bun run build:all [--targets a,b] [--out-dir dist]`: compiles each target (minified, bytecode,
 * no .env/bunfig autoload, its own target name embedded), packs it with README.md, LICENSE and
 * examples/, writes SHA256SUMS, and — when the assets they list were built — the Homebrew formula
 * and the Scoop manifest.
 */
async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { targets: { type: "string" }, "out-dir": { type: "string", default: "dist" } },
  });
  const targets = values.targets ? values.targets.split(",").map((name) => findTarget(name.trim())) : TARGETS;
  const outDir = resolve(values["out-dir"] ?? "dist");
  mkdirSync(outDir, { recursive: true });
  cleanReleaseFiles(outDir);
  const stageRoot = mkdtempSync(join(tmpdir(), "norc-stage-"));
  const archives: string[] = [];
  try {
    for (const target of targets) {
      archives.push(await buildTarget(target, stageRoot, outDir));
    }
  } finally {
    rmSync(stageRoot, { recursive: true, force: true });
  }
  const sums = await writeChecksums(outDir, archives);
  console.log(`wrote ${join(outDir, "SHA256SUMS")}`);
  await writePackagingFiles(outDir, sums);
  return 0;
}

/** Compiles, signs (macOS hosts), stages and packs one target; returns the archive name. */
async function buildTarget(target: Target, stageRoot: string, outDir: string): Promise<string> {
  const dir = stage(target, stageRoot);
  const binary = join(dir, binaryName(target));
  await compile({ target: target.name, bunTarget: target.bunTarget, outfile: binary });
  if (target.os === "darwin" && !(await resignDarwin(target, binary))) {
    console.warn(
      `note: ${target.name} not re-signed (codesign needs a macOS host; the release workflow does it)`,
    );
  }
  const archive = await pack(target, stageRoot, outDir);
  console.log(
    `${archiveName(target).padEnd(36)} ${sizeMiB(archive).padStart(10)}  (binary ${sizeMiB(binary)})`,
  );
  return archiveName(target);
}

/** Writes the formula and the manifest when every asset they need is in this build. */
async function writePackagingFiles(outDir: string, sums: string): Promise<void> {
  for (const write of [writeFormula, writeManifest]) {
    const result = await write(outDir, sums);
    console.log(result.written ? `wrote ${result.path}` : `skipped ${result.path}: ${result.reason}`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
