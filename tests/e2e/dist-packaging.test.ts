import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { $ } from "bun";
import { FORMULA_ASSETS, writeFormula } from "../../scripts/homebrew-formula.ts";
import { writeChecksums } from "../../scripts/pack.ts";
import { packageVersion } from "../../scripts/release-info.ts";
import { MANIFEST_ASSETS, writeManifest } from "../../scripts/scoop-manifest.ts";
import { archiveName, findTarget, TARGETS } from "../../scripts/targets.ts";
import { tempDir } from "../helpers/binary.ts";
import { canUse, ROOT } from "../helpers/dist.ts";

const SCHEMA = join(ROOT, "tests/fixtures/vendor/scoop-manifest.schema.json");
const REPO_DIST = join(ROOT, "dist");
const work = tempDir("norc-packaging-");
afterAll(() => work.cleanup());

/** sha256 of a file, computed here (not read from SHA256SUMS). */
async function digest(path: string): Promise<string> {
  return new Bun.CryptoHasher("sha256").update(await Bun.file(path).arrayBuffer()).digest("hex");
}

/** A release dir with small stand-in archives for every target, its SHA256SUMS, formula and manifest. */
async function fakeRelease(): Promise<string> {
  const dir = work.path;
  const names = TARGETS.map(archiveName);
  for (const name of names) writeFileSync(join(dir, name), `stand-in for ${name}\n`);
  const sums = await writeChecksums(dir, names);
  expect((await writeFormula(dir, sums)).written).toBe(true);
  expect((await writeManifest(dir, sums)).written).toBe(true);
  return dir;
}

/** Checks dir/norc-server.rb: Ruby syntax, structure, and one url + matching sha256 per platform. */
async function checkFormula(dir: string): Promise<void> {
  const path = join(dir, "norc-server.rb");
  const text = await Bun.file(path).text();
  if (canUse("ruby", "ruby -c on the formula")) {
    const syntax = await $`ruby -c ${path}`.nothrow().quiet();
    expect(syntax.stdout.toString()).toContain("Syntax OK");
  }
  const version = await packageVersion();
  const pairs = [...text.matchAll(/url "([^"]+)"\n\s*sha256 "([0-9a-f]{64})"/g)];
  expect(pairs.map((m) => basename(m[1] ?? "")).sort()).toEqual([...FORMULA_ASSETS].sort());
  for (const [, url = "", sha] of pairs) {
    expect(url).toStartWith(`https://github.com/navatron/norc-server/releases/download/v${version}/`);
    expect({ asset: basename(url), sha }).toEqual({
      asset: basename(url),
      sha: await digest(join(dir, basename(url))),
    });
  }
  for (const fragment of [
    "on_macos do",
    "on_linux do",
    'bin.install "norc-server"',
    'run [opt_bin/"norc-server", "start", "--config", etc/"norc-server/config.toml"]',
    'log_path var/"log/norc-server.log"',
    'shell_output("#{bin}/norc-server --version")',
    'system bin/"norc-server", "validate-config", testpath/"config.toml"',
  ]) {
    expect(text).toContain(fragment);
  }
  expect(text.match(/on_arm do/g)?.length).toBe(2);
  expect(text.match(/on_intel do/g)?.length).toBe(2);
}

/** Checks dir/norc-server.json: Scoop's schema, and a hash per architecture matching its archive. */
async function checkManifest(dir: string): Promise<void> {
  const manifest = await Bun.file(join(dir, "norc-server.json")).json();
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(await Bun.file(SCHEMA).json());
  expect({ valid: validate(manifest), errors: validate.errors ?? null }).toEqual({
    valid: true,
    errors: null,
  });
  expect(validate({ ...manifest, hash: "not-a-sha256" })).toBe(false);
  expect(manifest.version).toBe(await packageVersion());
  const architectures = manifest.architecture as Record<string, { url: string; hash: string }>;
  expect(Object.keys(architectures).sort()).toEqual(["64bit", "arm64"]);
  expect(
    Object.values(architectures)
      .map((a) => basename(a.url))
      .sort(),
  ).toEqual([...MANIFEST_ASSETS].sort());
  for (const { url, hash } of Object.values(architectures)) {
    expect({ asset: basename(url), hash }).toEqual({
      asset: basename(url),
      hash: await digest(join(dir, basename(url))),
    });
  }
  expect(manifest.autoupdate.architecture["64bit"].url).toContain("/v$version/norc-server-windows-x64.zip");
  expect(manifest.autoupdate.hash).toEqual({ url: "$baseurl/SHA256SUMS" });
  expect(manifest.persist).toBe("config.toml");
}

describe("Homebrew formula and Scoop manifest", () => {
  test("generated from SHA256SUMS: formula parses, manifest passes Scoop's schema, hashes match", async () => {
    const dir = await fakeRelease();
    await checkFormula(dir);
    await checkManifest(dir);
  });

  test("a SHA256SUMS missing an asset writes neither file", async () => {
    const dir = join(work.path, "partial");
    const sums = `${"0".repeat(64)}  ${archiveName(findTarget("linux-x64"))}\n`;
    expect(await writeFormula(dir, sums)).toMatchObject({
      written: false,
      reason: expect.stringContaining("not built"),
    });
    expect(await writeManifest(dir, sums)).toMatchObject({
      written: false,
      reason: expect.stringContaining("not built"),
    });
    expect(existsSync(dir)).toBe(false);
  });

  // CI runs `bun run build:all` before the tests: check what it wrote against the real archives.
  test.skipIf(!existsSync(join(REPO_DIST, "norc-server.rb")))(
    "dist/ from build:all: formula and manifest match the archives",
    async () => {
      await checkFormula(REPO_DIST);
      await checkManifest(REPO_DIST);
    },
    60_000,
  );
});
