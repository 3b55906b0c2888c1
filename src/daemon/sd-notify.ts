import { libcNames } from "./redirect-stdio.ts";

/** Env: the socket systemd listens on for a Type=notify service. */
export const NOTIFY_SOCKET_ENV = "NOTIFY_SOCKET";

interface UnixDatagram {
  socket(domain: number, type: number, protocol: number): number;
  sendto(
    fd: number,
    data: Uint8Array,
    length: number,
    flags: number,
    addr: Uint8Array,
    addrLength: number,
  ): number;
  close(fd: number): number;
}

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const SUN_PATH_BYTES = 108;

let libc: UnixDatagram | null | undefined;

/**
 * Tells the service manager about this process (sd_notify(3), no library): one datagram with
 * `state` ("READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...") to the unix socket named by
 * $NOTIFY_SOCKET ("@name" = abstract). Linux only; false when there is nobody to tell or it failed.
 */
export function sdNotify(state: string, env: Record<string, string | undefined> = process.env): boolean {
  const target = env[NOTIFY_SOCKET_ENV];
  if (!target || process.platform !== "linux" || (target[0] !== "/" && target[0] !== "@")) return false;
  const calls = loadLibc();
  if (calls === undefined) return false;
  const address = socketAddress(target);
  if (address === undefined) return false;
  const fd = calls.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  try {
    const data = Buffer.from(state);
    return Number(calls.sendto(fd, data, data.length, MSG_NOSIGNAL, address, address.length)) === data.length;
  } finally {
    calls.close(fd);
  }
}

/** struct sockaddr_un for a path ("/run/...") or an abstract name ("@..."), sized as sendto wants it. */
function socketAddress(target: string): Uint8Array | undefined {
  const abstract = target.startsWith("@");
  const path = Buffer.from(abstract ? target.slice(1) : target);
  if (path.length + 1 > SUN_PATH_BYTES) return undefined;
  // sa_family (host order), then the path and its NUL; abstract: a NUL first instead, none after
  const address = new Uint8Array(2 + 1 + path.length);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(path, abstract ? 3 : 2);
  return address;
}

function loadLibc(): UnixDatagram | undefined {
  if (libc !== undefined) return libc ?? undefined;
  libc = null;
  const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
  for (const name of libcNames()) {
    try {
      const lib = dlopen(name, {
        socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        sendto: {
          args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32],
          returns: FFIType.i64,
        },
        close: { args: [FFIType.i32], returns: FFIType.i32 },
      });
      libc = lib.symbols as unknown as UnixDatagram;
      return libc;
    } catch {
      // try the next libc name
    }
  }
  return undefined;
}
