/** One release target: our name (used in archive names and `--version`), Bun's compile target, and packing. */
export interface Target {
  name: string;
  bunTarget: string;
  os: "linux" | "darwin" | "windows";
  arch: "x64" | "arm64";
  /** What `file` prints for this binary (checked in tests and CI). */
  fileSignature: RegExp;
}

const elf = (arch: string, interpreter: string) =>
  new RegExp(`^ELF 64-bit LSB .*${arch}.*interpreter ${interpreter}`);

/** Every target `bun run build:all` builds (Bun 1.4.5 can build all of them). */
export const TARGETS: readonly Target[] = [
  {
    name: "linux-x64",
    bunTarget: "bun-linux-x64",
    os: "linux",
    arch: "x64",
    fileSignature: elf("x86-64", "/lib64/ld-linux-x86-64"),
  },
  {
    name: "linux-x64-baseline",
    bunTarget: "bun-linux-x64-baseline",
    os: "linux",
    arch: "x64",
    fileSignature: elf("x86-64", "/lib64/ld-linux-x86-64"),
  },
  {
    name: "linux-x64-musl",
    bunTarget: "bun-linux-x64-musl",
    os: "linux",
    arch: "x64",
    fileSignature: elf("x86-64", "/lib/ld-musl-x86_64"),
  },
  {
    name: "linux-arm64",
    bunTarget: "bun-linux-arm64",
    os: "linux",
    arch: "arm64",
    fileSignature: elf("ARM aarch64", "/lib/ld-linux-aarch64"),
  },
  {
    name: "linux-arm64-musl",
    bunTarget: "bun-linux-arm64-musl",
    os: "linux",
    arch: "arm64",
    fileSignature: elf("ARM aarch64", "/lib/ld-musl-aarch64"),
  },
  {
    name: "darwin-x64",
    bunTarget: "bun-darwin-x64",
    os: "darwin",
    arch: "x64",
    fileSignature: /^Mach-O 64-bit x86_64 executable/,
  },
  {
    name: "darwin-arm64",
    bunTarget: "bun-darwin-arm64",
    os: "darwin",
    arch: "arm64",
    fileSignature: /^Mach-O 64-bit arm64 executable/,
  },
  {
    name: "windows-x64",
    bunTarget: "bun-windows-x64",
    os: "windows",
    arch: "x64",
    fileSignature: /^PE32\+ executable \(console\) x86-64, for MS Windows/,
  },
  {
    name: "windows-arm64",
    bunTarget: "bun-windows-arm64",
    os: "windows",
    arch: "arm64",
    fileSignature: /^PE32\+ executable \(console\) Aarch64, for MS Windows/,
  },
];

/** The binary's file name inside the archive. */
export function binaryName(target: Target): string {
  return target.os === "windows" ? "norc-server.exe" : "norc-server";
}

/** The archive's file name (no version in it, so `releases/latest/download/<name>` always works). */
export function archiveName(target: Target): string {
  return `${archiveDir(target)}${target.os === "windows" ? ".zip" : ".tar.gz"}`;
}

/** The one top-level directory inside the archive. */
export function archiveDir(target: Target): string {
  return `norc-server-${target.name}`;
}

/** Looks a target up by name; throws with the list of valid names. */
export function findTarget(name: string): Target {
  const target = TARGETS.find((t) => t.name === name);
  if (!target) {
    throw new Error(`unknown target "${name}": choose from ${TARGETS.map((t) => t.name).join(", ")}`);
  }
  return target;
}
