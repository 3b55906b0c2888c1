import { closeSync, openSync } from "node:fs";

type Dup2 = (from: number, to: number) => number;

let dup2: Dup2 | undefined;

/**
 * Points fds 1 and 2 of this process at `target` (a file opened for append, or /dev/null) with
 * libc dup2 through bun:ffi, so a daemon stops writing into the pipe its starting CLI reads.
 * Returns false (and leaves stdio alone) where libc cannot be loaded.
 */
export function redirectStdio(target: string): boolean {
  const call = loadDup2();
  if (!call) return false;
  const fd = openSync(target, "a", 0o640);
  try {
    return call(fd, 1) === 1 && call(fd, 2) === 2;
  } finally {
    closeSync(fd);
  }
}

/** The names the C library goes by on this platform (glibc, musl, macOS), for bun:ffi's dlopen. */
export function libcNames(): string[] {
  return process.platform === "darwin"
    ? ["libSystem.B.dylib", "/usr/lib/libSystem.B.dylib"]
    : ["libc.so.6", `libc.musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`, "libc.so"];
}

function loadDup2(): Dup2 | undefined {
  if (dup2 || process.platform === "win32") return dup2;
  const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
  for (const name of libcNames()) {
    try {
      const lib = dlopen(name, { dup2: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
      dup2 = (from, to) => lib.symbols.dup2(from, to);
      return dup2;
    } catch {
      // try the next libc name
    }
  }
  return undefined;
}
