import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv, tempDir } from "../helpers/binary.ts";
import { ROOT } from "../helpers/dist.ts";

// install.sh's platform detection, with uname, sysctl, ldd and curl replaced by stand-ins that
// answer from FAKE_* variables; curl records nothing and fails, so nothing is downloaded.
const INSTALL_SH = join(ROOT, "scripts/install.sh");
const tools = tempDir("norc-detect-");
afterAll(() => tools.cleanup());

const stubs: Record<string, string> = {
  uname: 'case "$1" in -s) echo "$FAKE_OS" ;; -m) echo "$FAKE_ARCH" ;; *) exit 1 ;; esac',
  sysctl:
    'case "$2" in sysctl.proc_translated) [ -n "$FAKE_TRANSLATED" ] && echo "$FAKE_TRANSLATED" ;; machdep.cpu.leaf7_features) echo "$FAKE_LEAF7" ;; esac',
  ldd: 'echo "$FAKE_LDD" >&2; exit 1',
  curl: "exit 22",
};
for (const [name, body] of Object.entries(stubs)) {
  writeFileSync(join(tools.path, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** Runs install.sh as if on the faked platform; returns exit code and stderr. */
async function detect(fake: Record<string, string>) {
  const child = Bun.spawn(["sh", INSTALL_SH], {
    env: cleanEnv({
      PATH: `${tools.path}:${process.env.PATH}`,
      HOME: tools.path,
      NORC_INSTALL_DIR: join(tools.path, "bin"),
      NORC_INSTALL_BASE_URL: "http://127.0.0.1:9",
      FAKE_LDD: "ldd (GNU libc) 2.36",
      ...fake,
    }),
    stdout: "ignore",
    stderr: "pipe",
  });
  const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  return { exitCode, stderr };
}

const hostHasAvx2 = /\bavx2\b/.test(
  process.platform === "linux" ? readFileSync("/proc/cpuinfo", "utf8") : "",
);

describe("install.sh picks the archive for the platform", () => {
  test.each([
    ["macOS arm64", { FAKE_OS: "Darwin", FAKE_ARCH: "arm64" }, "darwin-arm64"],
    [
      "macOS arm64 shell under Rosetta",
      { FAKE_OS: "Darwin", FAKE_ARCH: "x86_64", FAKE_TRANSLATED: "1" },
      "darwin-arm64",
    ],
    [
      "macOS Intel",
      { FAKE_OS: "Darwin", FAKE_ARCH: "x86_64", FAKE_TRANSLATED: "0", FAKE_LEAF7: "BMI1 AVX2 BMI2" },
      "darwin-x64",
    ],
    ["Linux arm64, glibc", { FAKE_OS: "Linux", FAKE_ARCH: "aarch64" }, "linux-arm64"],
    [
      "Linux arm64, musl",
      { FAKE_OS: "Linux", FAKE_ARCH: "aarch64", FAKE_LDD: "musl libc (aarch64)" },
      "linux-arm64-musl",
    ],
    [
      "Linux x64 (this CPU)",
      { FAKE_OS: "Linux", FAKE_ARCH: "x86_64" },
      hostHasAvx2 ? "linux-x64" : "linux-x64-baseline",
    ],
  ])("%s", async (_name, fake, target) => {
    const result = await detect(fake);
    expect(result.stderr).toContain(
      `downloading http://127.0.0.1:9/norc-server-${target}.tar.gz (${target})`,
    );
    expect(result.exitCode).toBe(1);
  });

  test.each([
    [
      "macOS Intel without AVX2",
      { FAKE_OS: "Darwin", FAKE_ARCH: "x86_64", FAKE_LEAF7: "BMI1" },
      "lacks AVX2",
    ],
    ["Windows shells", { FAKE_OS: "MINGW64_NT-10.0", FAKE_ARCH: "x86_64" }, "install with Scoop"],
    ["an unknown CPU", { FAKE_OS: "Linux", FAKE_ARCH: "riscv64" }, "no prebuilt binary for riscv64"],
  ])("%s: refused with a reason", async (_name, fake, reason) => {
    const result = await detect(fake);
    expect(result.stderr).toContain(reason);
    expect(result.stderr).not.toContain("downloading");
    expect(result.exitCode).toBe(1);
  });
});
