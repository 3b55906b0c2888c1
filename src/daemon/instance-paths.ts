import { basename, dirname, join } from "node:path";

/** Where the control channel listens: a Unix socket, or (Windows) a loopback port + token file. */
export type ControlEndpoint = { kind: "unix"; path: string } | { kind: "loopback"; file: string };

/** The files one instance owns, all beside its PID file. */
export interface InstancePaths {
  pidFile: string;
  /** Created with O_EXCL by the top process: the single-instance lock. */
  lockFile: string;
  /** The control channel (Unix socket, mode 0600). */
  socketPath: string;
  /** The loopback control channel's port and token (Windows), mode 0600. */
  controlFile: string;
  endpoint: ControlEndpoint;
}

/** Paths for the instance whose PID file is `pidFile` (absolute, as loadConfig returns it). */
export function instancePaths(pidFile: string, platform: NodeJS.Platform = process.platform): InstancePaths {
  const dir = dirname(pidFile);
  const stem = basename(pidFile).replace(/\.pid$/, "");
  const socketPath = join(dir, `${stem}.sock`);
  const controlFile = join(dir, `${stem}.control`);
  const endpoint: ControlEndpoint =
    platform === "win32" ? { kind: "loopback", file: controlFile } : { kind: "unix", path: socketPath };
  return { pidFile, lockFile: join(dir, `${stem}.lock`), socketPath, controlFile, endpoint };
}

/** The file whose presence says an instance may be listening on the endpoint. */
export function endpointFile(endpoint: ControlEndpoint): string {
  return endpoint.kind === "unix" ? endpoint.path : endpoint.file;
}
