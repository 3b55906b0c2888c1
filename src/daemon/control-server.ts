import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { errorMessage, NorcError } from "../errors.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import type { ControlHandler, ControlReply, ControlRequest } from "./control-protocol.ts";
import { type ControlEndpoint, endpointFile } from "./instance-paths.ts";

/** A listening control channel; `close()` stops it and removes its socket or token file. */
export interface ControlServer {
  close(): void;
}

type Listener = { stop(closeActive?: boolean): void };

/**
 * Serves the control channel. Unix: a socket made under umask 177 and chmod 0600. Windows (no
 * Unix signals or socket permissions to rely on): 127.0.0.1 on a free port, with the port and a
 * random token in a 0600 file; a request without that token is refused. Only call while holding
 * the instance lock: an existing socket or token file is then stale.
 */
export function startControlServer(endpoint: ControlEndpoint, handler: ControlHandler): ControlServer {
  const file = endpointFile(endpoint);
  if (existsSync(file)) unlinkSync(file);
  const token = endpoint.kind === "loopback" ? randomBytes(32).toString("hex") : undefined;
  const previousMask = process.umask(0o177);
  let listener: Listener;
  try {
    const socket = socketHandlers(handler, token);
    if (endpoint.kind === "unix") {
      listener = Bun.listen<{ buffer: string }>({ unix: endpoint.path, socket });
      chmodSync(endpoint.path, 0o600);
    } else {
      const tcp = Bun.listen<{ buffer: string }>({ hostname: "127.0.0.1", port: 0, socket });
      listener = tcp;
      writeTokenFile(endpoint.file, tcp.port, token ?? "");
    }
  } finally {
    process.umask(previousMask);
  }
  return {
    close() {
      listener.stop(true);
      try {
        unlinkSync(file);
      } catch {
        // removed already, or the directory is not writable after a privilege drop
      }
    },
  };
}

/**
 * The control channel, or undefined with a warning on stderr when it cannot be made (a path over
 * the ~104-byte Unix socket limit, say): the instance still runs, and the commands fall back to
 * signals.
 */
export function tryStartControlServer(
  endpoint: ControlEndpoint,
  handler: ControlHandler,
): ControlServer | undefined {
  try {
    return startControlServer(endpoint, handler);
  } catch (error) {
    process.stderr.write(
      `warning: no control channel at ${endpointFile(endpoint)} (${errorMessage(error)}): stop/status/reload fall back to signals; a shorter daemon.pid_file path avoids this\n`,
    );
    return undefined;
  }
}

function socketHandlers(handler: ControlHandler, token: string | undefined) {
  return {
    open(socket: { data: { buffer: string } }) {
      socket.data = { buffer: "" };
    },
    data(socket: { data: { buffer: string }; write(text: string): number; end(): void }, chunk: Buffer) {
      socket.data.buffer += chunk.toString();
      const newline = socket.data.buffer.indexOf("\n");
      if (newline < 0) return;
      const line = socket.data.buffer.slice(0, newline);
      socket.data.buffer = "";
      void answer(line, handler, token).then((reply) => {
        socket.write(`${JSON.stringify(reply)}\n`);
        socket.end();
      });
    },
  };
}

function writeTokenFile(file: string, port: number, token: string): void {
  writeFileAtomic(file, `${JSON.stringify({ port, token, pid: process.pid })}\n`, 0o600);
}

async function answer(
  line: string,
  handler: ControlHandler,
  token: string | undefined,
): Promise<ControlReply> {
  try {
    const request = JSON.parse(line) as ControlRequest & { token?: string };
    if (token !== undefined && !sameToken(request.token, token)) {
      return { ok: false, error: "control request refused: wrong or missing token" };
    }
    switch (request.op) {
      case "status":
        return { ok: true, status: await handler.status() };
      case "reload":
        return { ok: true, reload: await handler.reload() };
      case "stop":
        return { ok: true, stopping: handler.stop(request.mode === "now" ? "now" : "graceful") };
      case "device":
        return { ok: true, device: await handler.device(request.request) };
      case "backup":
        return { ok: true, backup: await handler.backup(request.output) };
      default:
        return { ok: false, error: `unknown control operation ${JSON.stringify(line)}` };
    }
  } catch (error) {
    return error instanceof NorcError
      ? { ok: false, error: error.message, exitCode: error.exitCode }
      : { ok: false, error: errorMessage(error) };
  }
}

function sameToken(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? "");
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
