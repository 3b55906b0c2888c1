import { chmodSync, existsSync, unlinkSync } from "node:fs";
import { errorMessage } from "../errors.ts";
import type { ControlHandler, ControlReply, ControlRequest } from "./control-protocol.ts";

/** A listening control channel; `close()` stops it and removes the socket file. */
export interface ControlServer {
  close(): void;
}

/**
 * Serves the control channel on a Unix socket (mode 0600, created under umask 177 so it is never
 * wider). Only call while holding the instance lock: an existing socket file is then stale.
 */
export function startControlServer(socketPath: string, handler: ControlHandler): ControlServer {
  if (existsSync(socketPath)) unlinkSync(socketPath);
  const previousMask = process.umask(0o177);
  let listener: ReturnType<typeof Bun.listen<{ buffer: string }>>;
  try {
    listener = Bun.listen<{ buffer: string }>({
      unix: socketPath,
      socket: {
        open(socket) {
          socket.data = { buffer: "" };
        },
        data(socket, chunk) {
          socket.data.buffer += chunk.toString();
          const newline = socket.data.buffer.indexOf("\n");
          if (newline < 0) return;
          const line = socket.data.buffer.slice(0, newline);
          socket.data.buffer = "";
          void answer(line, handler).then((reply) => {
            socket.write(`${JSON.stringify(reply)}\n`);
            socket.end();
          });
        },
      },
    });
  } finally {
    process.umask(previousMask);
  }
  chmodSync(socketPath, 0o600);
  return {
    close() {
      listener.stop(true);
      try {
        unlinkSync(socketPath);
      } catch {
        // removed already, or the directory is not writable after a privilege drop
      }
    },
  };
}

async function answer(line: string, handler: ControlHandler): Promise<ControlReply> {
  try {
    const request = JSON.parse(line) as ControlRequest;
    switch (request.op) {
      case "status":
        return { ok: true, status: await handler.status() };
      case "reload":
        return { ok: true, reload: await handler.reload() };
      case "stop":
        return { ok: true, stopping: handler.stop(request.mode === "now" ? "now" : "graceful") };
      default:
        return { ok: false, error: `unknown control operation ${JSON.stringify(line)}` };
    }
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

/**
 * The control channel, or undefined with a warning on stderr when the socket cannot be made (a
 * path over the ~104-byte Unix socket limit, say): the instance still runs, and the commands fall
 * back to signals.
 */
export function tryStartControlServer(
  socketPath: string,
  handler: ControlHandler,
): ControlServer | undefined {
  try {
    return startControlServer(socketPath, handler);
  } catch (error) {
    process.stderr.write(
      `warning: no control channel at ${socketPath} (${errorMessage(error)}): stop/status/reload fall back to signals; a shorter daemon.pid_file path avoids this\n`,
    );
    return undefined;
  }
}
