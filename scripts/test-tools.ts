/**
 * The commands the test suite runs besides the binary, and the Debian package of each. Run by
 * `bun run test` before `bun test`: what is missing is installed with apt-get when this runs as
 * root on a machine with apt-get; otherwise it says what to install, and the tests that need a
 * missing tool are skipped, each file saying so (tests/helpers/tools.ts). Always exits 0.
 * (The release checks' tools, qemu, shellcheck, ruby, file, zip, are for `.ci/run`.)
 */
export const TEST_TOOLS = {
  openssl: "openssl",
  promtool: "prometheus",
  "systemd-analyze": "systemd",
  python3: "python3",
} as const;

export type TestTool = keyof typeof TEST_TOOLS;

/** The tools not on PATH. */
export function missingTools(): TestTool[] {
  return (Object.keys(TEST_TOOLS) as TestTool[]).filter((tool) => Bun.which(tool) === null);
}

/** `apt-get install PACKAGES`, for messages. */
export function installHint(tools: readonly TestTool[]): string {
  return `apt-get install ${[...new Set(tools.map((tool) => TEST_TOOLS[tool]))].join(" ")}`;
}

function run(command: string[]): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const result = Bun.spawnSync(command, { env, stdout: "ignore", stderr: "inherit" });
  return result.exitCode === 0;
}

function main(): void {
  const missing = missingTools();
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((tool) => TEST_TOOLS[tool]))];
  const canInstall = process.getuid?.() === 0 && Bun.which("apt-get") !== null;
  if (canInstall) {
    console.log(`test tools: installing ${packages.join(" ")} for ${missing.join(", ")} (apt-get)`);
    const quiet = ["-y", "-qq", "--no-install-recommends"];
    const installed = run(["apt-get", "update", "-qq"]) && run(["apt-get", "install", ...quiet, ...packages]);
    if (!installed) console.log("test tools: apt-get failed (see above)");
  }
  const still = missingTools();
  if (still.length === 0) return;
  const how = canInstall ? "" : " as root (or with sudo)";
  console.log(
    `test tools: ${still.join(", ")} not installed: the tests that need them are skipped; run ${installHint(still)}${how} to run them`,
  );
}

if (import.meta.main) main();
