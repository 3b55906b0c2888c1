import { basename, dirname, join } from "node:path";

/** The files one instance owns, all beside its PID file. */
export interface InstancePaths {
  pidFile: string;
  /** Created with O_EXCL by the top process: the single-instance lock. */
  lockFile: string;
  /** The control channel (Unix socket, mode 0600). */
  socketPath: string;
}

/** Paths for the instance whose PID file is `pidFile` (absolute, as loadConfig returns it). */
export function instancePaths(pidFile: string): InstancePaths {
  const dir = dirname(pidFile);
  const stem = basename(pidFile).replace(/\.pid$/, "");
  return {
    pidFile,
    lockFile: join(dir, `${stem}.lock`),
    socketPath: join(dir, `${stem}.sock`),
  };
}
