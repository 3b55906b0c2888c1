import type { Socket } from "bun";

/** A test TCP (or TLS) connection that records when it was closed by the server. */
export interface TcpClient {
  socket: Socket<undefined>;
  /** Resolves with the time (ms since epoch) the connection closed. */
  closed: Promise<number>;
  isClosed: () => boolean;
}

/** Opens a connection to 127.0.0.1:port (TLS without verification when `tls`). */
export async function connectClient(port: number, tls = false): Promise<TcpClient> {
  let closedAt: number | undefined;
  const { promise, resolve } = Promise.withResolvers<number>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    ...(tls ? { tls: { rejectUnauthorized: false } } : {}),
    socket: {
      data() {},
      close() {
        closedAt ??= Date.now();
        resolve(closedAt);
      },
      error() {},
    },
  });
  return { socket, closed: promise, isClosed: () => closedAt !== undefined };
}

/** Resolves with `promise`, or rejects after `timeoutMs` naming `what`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
