import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { $ } from "bun";
import { packageVersion } from "../../scripts/release-info.ts";
import { archiveDir, archiveName, binaryName, findTarget, type Target } from "../../scripts/targets.ts";
import { cleanEnv, tempDir } from "../helpers/binary.ts";
import { canEmulateArm64, canUse, hostReleaseTarget, type ReleaseDir, releaseDir } from "../helpers/dist.ts";

// The archives of `bun run build:all` (dist/ in CI) or of a host-only build made for this run.
let release: ReleaseDir;
const work = tempDir("norc-dist-check-");

beforeAll(async () => {
  release = await releaseDir();
}, 180_000);
afterAll(() => work.cleanup());

/** Extracts the binary of `target`'s archive into the work dir; returns its path. */
async function extractBinary(target: Target): Promise<string> {
  const member = `${archiveDir(target)}/${binaryName(target)}`;
  const archive = join(release.dir, archiveName(target));
  if (target.os === "windows") await $`unzip -q -o ${archive} ${member} -d ${work.path}`.quiet();
  else await $`tar -xzf ${archive} -C ${work.path} ${member}`.quiet();
  return join(work.path, member);
}

/** Runs a command in the work dir with a clean environment; returns its exit code and output. */
async function run(cmd: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn(cmd, { cwd: work.path, env: cleanEnv(env), stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  return { exitCode, stdout, stderr };
}

/** A small valid config with every path inside the work dir. */
function writeConfig(): string {
  const path = join(work.path, "config.toml");
  const pidFile = join(work.path, "norc-server.pid");
  writeFileSync(
    path,
    `[network]\nbind_address = "127.0.0.1"\nport = 9444\n\n[tls]\nenabled = false\n\n` +
      `[storage]\ndata_dir = "${work.path}"\n\n[daemon]\npid_file = "${pidFile}"\n`,
  );
  return path;
}

const versionLine = (version: string, target: string) =>
  new RegExp(`^norc-server ${version.replaceAll(".", "\\.")} \\(commit \\S+, built \\S+, ${target}\\)\\n$`);

describe("release archives", () => {
  test.skipIf(!canUse("sha256sum", "sha256sum -c"))(
    "SHA256SUMS verifies every archive (sha256sum -c)",
    async () => {
      const result = await $`sha256sum -c SHA256SUMS`.cwd(release.dir).nothrow().quiet();
      expect(result.stdout.toString()).toContain(`${archiveName(hostReleaseTarget())}: OK`);
      expect(result.exitCode).toBe(0);
    },
  );

  test("every archive holds its binary, README.md, LICENSE and examples/", async () => {
    for (const target of release.targets) {
      const archive = join(release.dir, archiveName(target));
      const listing =
        target.os === "windows"
          ? (await $`unzip -Z1 ${archive}`.quiet().text()).split("\n")
          : (await $`tar -tzf ${archive}`.quiet().text()).split("\n");
      const dir = archiveDir(target);
      expect(listing).toContain(`${dir}/${binaryName(target)}`);
      expect(listing).toContain(`${dir}/README.md`);
      expect(listing).toContain(`${dir}/LICENSE`);
      expect(listing).toContain(`${dir}/examples/config.toml`);
    }
  }, 120_000);

  test.skipIf(!canUse("file", "the file(1) check"))(
    "file reports the right format and architecture for every binary",
    async () => {
      for (const target of release.targets) {
        const binary = await extractBinary(target);
        const description = (await $`file -b ${binary}`.quiet().text()).trim();
        expect({ target: target.name, description }).toEqual({
          target: target.name,
          description: expect.stringMatching(target.fileSignature),
        });
        rmSync(binary);
      }
    },
    180_000,
  );

  test("the host binary from its archive (and the x64 baseline one) prints its version and own target", async () => {
    const host = hostReleaseTarget();
    const baseline = findTarget("linux-x64-baseline");
    const runnable = [
      host,
      ...(host.name === "linux-x64" && release.targets.includes(baseline) ? [baseline] : []),
    ];
    for (const target of runnable) {
      const binary = await extractBinary(target);
      const result = await run([binary, "--version"]);
      expect(result.stdout).toMatch(versionLine(await packageVersion(), target.name));
      expect(result.exitCode).toBe(0);
      rmSync(binary);
    }
  }, 60_000);

  test.skipIf(!canEmulateArm64())(
    "linux-arm64 runs --version and validate-config under qemu-aarch64-static",
    async () => {
      const target = findTarget("linux-arm64");
      expect(release.targets).toContain(target);
      const binary = await extractBinary(target);
      const env = { QEMU_LD_PREFIX: "/usr/aarch64-linux-gnu" };
      const version = await run(["qemu-aarch64-static", binary, "--version"], env);
      expect(version.stdout).toMatch(versionLine(await packageVersion(), "linux-arm64"));
      expect(version.exitCode).toBe(0);
      const validate = await run(["qemu-aarch64-static", binary, "validate-config", writeConfig()], env);
      expect({ exitCode: validate.exitCode, stderr: validate.stderr }).toEqual({
        exitCode: 0,
        stderr: expect.any(String),
      });
      rmSync(binary);
    },
    120_000,
  );
});
