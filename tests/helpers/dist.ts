import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseChecksums } from "../../scripts/release-info.ts";
import { archiveName, findTarget, TARGETS, type Target } from "../../scripts/targets.ts";

export const ROOT = resolve(import.meta.dir, "../..");
const REPO_DIST = join(ROOT, "dist");

/** Whether `tool` is on PATH. Under CI (CI=true) a missing tool is not skipped but fails the test. */
export function canUse(tool: string, what: string): boolean {
  if (Bun.which(tool) || process.env.CI === "true") return true;
  console.warn(`skipping ${what}: ${tool} is not installed (CI installs it; see .ci/run)`);
  return false;
}

/** Whether the aarch64 emulator and the arm64 glibc loader are here to run linux-arm64 binaries. */
export function canEmulateArm64(): boolean {
  const ok = Bun.which("qemu-aarch64-static") !== null && existsSync("/usr/aarch64-linux-gnu/lib");
  if (ok || process.env.CI === "true") return true;
  console.warn(
    "skipping the linux-arm64 run: qemu-aarch64-static or /usr/aarch64-linux-gnu is missing (apt-get install qemu-user-static libc6-arm64-cross)",
  );
  return false;
}

/** The release target install.sh picks on this machine (OS, arch, musl libc, AVX2). */
export function hostReleaseTarget(): Target {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  let name = `${os}-${arch}`;
  if (os === "linux" && isMusl()) name += "-musl";
  else if (os === "linux" && arch === "x64" && !/\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8"))) {
    name += "-baseline";
  }
  return findTarget(name);
}

/** Whether the system C library is musl, asked the way install.sh asks (`ldd --version`). */
function isMusl(): boolean {
  if (!Bun.which("ldd")) return false;
  const ldd = Bun.spawnSync(["ldd", "--version"], { stdout: "pipe", stderr: "pipe" });
  return /musl/i.test(`${ldd.stdout.toString()}${ldd.stderr.toString()}`);
}

export interface ReleaseDir {
  dir: string;
  /** Targets whose archives are in `dir` (listed in its SHA256SUMS). */
  targets: Target[];
}

let release: Promise<ReleaseDir> | undefined;

/**
 * The release files the dist tests check: dist/ after `bun run build:all` (CI builds it first), else a
 * build of the host target (and linux-arm64 where qemu can run it) into a temp dir, made once per run.
 */
export function releaseDir(): Promise<ReleaseDir> {
  release ??= locateOrBuild();
  return release;
}

async function locateOrBuild(): Promise<ReleaseDir> {
  const host = hostReleaseTarget();
  const needed = [host];
  if (host.name !== "linux-arm64" && Bun.which("qemu-aarch64-static")) needed.push(findTarget("linux-arm64"));
  const existing = listed(REPO_DIST);
  if (needed.every((target) => existing.includes(target))) return { dir: REPO_DIST, targets: existing };
  const dir = mkdtempSync(join(tmpdir(), "norc-dist-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const names = needed.map((target) => target.name);
  const build = Bun.spawn(["bun", "scripts/build.ts", "--targets", names.join(","), "--out-dir", dir], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(build.stdout).text(),
    new Response(build.stderr).text(),
    build.exited,
  ]);
  if (code !== 0) throw new Error(`bun scripts/build.ts failed (${code}):\n${out}${err}`);
  return { dir, targets: listed(dir) };
}

/** Targets whose archives `dir/SHA256SUMS` lists. */
function listed(dir: string): Target[] {
  const sums = join(dir, "SHA256SUMS");
  if (!existsSync(sums)) return [];
  const files = parseChecksums(readFileSync(sums, "utf8"));
  return TARGETS.filter((target) => files.has(archiveName(target)));
}
