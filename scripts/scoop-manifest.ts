import { join, resolve } from "node:path";
import {
  DESCRIPTION,
  HOMEPAGE,
  LICENSE,
  releaseBaseUrl,
  type WriteOutcome,
  writeFromChecksums,
} from "./release-info.ts";
import { archiveDir, archiveName, binaryName, findTarget } from "./targets.ts";

/** Scoop architecture name -> our Windows target. */
const ARCHITECTURES = { "64bit": "windows-x64", arm64: "windows-arm64" } as const;

/** The archive names the manifest needs. */
export const MANIFEST_ASSETS = Object.values(ARCHITECTURES).map((name) => archiveName(findTarget(name)));

/** Builds the Scoop manifest for `version` with hashes from `sums`; throws if one is missing. */
export function manifest(version: string, sums: Map<string, string>): Record<string, unknown> {
  const architecture: Record<string, unknown> = {};
  const autoupdate: Record<string, unknown> = {};
  for (const [arch, name] of Object.entries(ARCHITECTURES)) {
    const target = findTarget(name);
    const hash = sums.get(archiveName(target));
    if (!hash) throw new Error(`SHA256SUMS has no line for ${archiveName(target)}`);
    const extract_dir = archiveDir(target);
    architecture[arch] = { url: `${releaseBaseUrl(version)}/${archiveName(target)}`, hash, extract_dir };
    autoupdate[arch] = { url: `${releaseBaseUrl("$version")}/${archiveName(target)}`, extract_dir };
  }
  const exe = binaryName(findTarget("windows-x64"));
  return {
    version,
    description: DESCRIPTION,
    homepage: HOMEPAGE,
    license: LICENSE,
    architecture,
    bin: exe,
    pre_install: [
      'if (!(Test-Path "$persist_dir\\config.toml")) {',
      "    Push-Location $dir",
      `    & "$dir\\${exe}" generate-config | Out-Null`,
      "    $code = $LASTEXITCODE",
      "    Pop-Location",
      '    if ($code -ne 0) { throw "norc-server generate-config failed with exit code $code" }',
      "}",
    ],
    persist: "config.toml",
    notes: [
      "The configuration is $persist_dir\\config.toml (kept across updates).",
      'Run the server: norc-server start --config "$persist_dir\\config.toml"',
    ],
    checkver: { github: HOMEPAGE },
    autoupdate: { architecture: autoupdate, hash: { url: "$baseurl/SHA256SUMS" } },
  };
}

/** Writes `<outDir>/norc-server.json` when `sums` lists both Windows archives. */
export function writeManifest(outDir: string, sumsText: string): Promise<WriteOutcome> {
  return writeFromChecksums(
    join(outDir, "norc-server.json"),
    sumsText,
    MANIFEST_ASSETS,
    (version, sums) => `${JSON.stringify(manifest(version, sums), null, 4)}\n`,
  );
}

if (import.meta.main) {
  const outDir = resolve(process.argv[2] ?? "dist");
  const result = await writeManifest(outDir, await Bun.file(join(outDir, "SHA256SUMS")).text());
  console.log(result.written ? `wrote ${result.path}` : `cannot write ${result.path}: ${result.reason}`);
  process.exitCode = result.written ? 0 : 1;
}
