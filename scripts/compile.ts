import { $ } from "bun";

/** Build identity embedded into the binary (shown by `--version`). */
export async function buildDefines(target: string): Promise<Record<string, string>> {
  const pkg = (await Bun.file(new URL("../package.json", import.meta.url)).json()) as { version: string };
  const commit = (await $`git rev-parse --short=12 HEAD`.nothrow().quiet().text()).trim() || "unknown";
  const dirty = (await $`git status --porcelain --untracked-files=no`.nothrow().quiet().text()).trim()
    ? "-dirty"
    : "";
  return {
    NORC_BUILD_VERSION: JSON.stringify(pkg.version),
    NORC_BUILD_COMMIT: JSON.stringify(commit === "unknown" ? commit : `${commit}${dirty}`),
    NORC_BUILD_DATE: JSON.stringify(new Date().toISOString()),
    NORC_BUILD_TARGET: JSON.stringify(target),
  };
}

/**
 * Compiles src/main.ts into one self-contained binary for `bunTarget` (e.g. "bun-linux-x64"):
 * minified, with bytecode, and with .env / bunfig.toml autoload off so the directory the daemon
 * runs in cannot change its behaviour.
 */
export async function compile(options: {
  bunTarget?: string;
  target: string;
  outfile: string;
}): Promise<void> {
  const defines = await buildDefines(options.target);
  const defineArgs = Object.entries(defines).flatMap(([key, value]) => ["--define", `${key}=${value}`]);
  const targetArgs = options.bunTarget ? [`--target=${options.bunTarget}`] : [];
  const root = new URL("..", import.meta.url).pathname;
  const result =
    await $`bun build --compile --minify --bytecode --format=esm --no-compile-autoload-dotenv --no-compile-autoload-bunfig ${targetArgs} ${defineArgs} src/main.ts --outfile ${options.outfile}`
      .cwd(root)
      .nothrow()
      .quiet();
  if (result.exitCode !== 0) {
    throw new Error(
      `bun build for ${options.target} failed:\n${result.stderr.toString()}${result.stdout.toString()}`,
    );
  }
}

/** The host target name in the release naming (`linux-x64`, `darwin-arm64`, ...). */
export function hostTarget(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  return `${os}-${process.arch}`;
}
