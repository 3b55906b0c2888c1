import { readFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import type { ControlReply, ControlRequest } from "./control-protocol.ts";
import { type ControlEndpoint, endpointFile } from "./instance-paths.ts";
import { CONTROL_REPLY_MS } from "./timeouts.ts";

/** The control channel could not be reached (no socket, refused, timed out). */
export class ControlUnavailable extends Error {}

/** Sends one request over the instance's control channel and returns its reply. */
export function sendControl(
  endpoint: ControlEndpoint,
  request: ControlRequest,
  timeoutMs = CONTROL_REPLY_MS,
): Promise<ControlReply> {
  const where = endpointFile(endpoint);
  let socket: Socket;
  let line: string;
  try {
    if (endpoint.kind === "unix") {
      socket = createConnection(endpoint.path);
      line = JSON.stringify(request);
    } else {
      const { port, token } = JSON.parse(readFileSync(endpoint.file, "utf8")) as {
        port: number;
        token: string;
      };
      socket = createConnection({ host: "127.0.0.1", port });
      line = JSON.stringify({ ...request, token });
    }
  } catch (error) {
    return Promise.reject(new ControlUnavailable(`cannot reach ${where}: ${(error as Error).message}`));
  }
  return exchange(socket, line, where, timeoutMs);
}

function exchange(socket: Socket, line: string, where: string, timeoutMs: number): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    let text = "";
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(
      () => settle(() => reject(new ControlUnavailable(`no answer on ${where} within ${timeoutMs} ms`))),
      timeoutMs,
    );
    socket.on("connect", () => socket.write(`${line}\n`));
    socket.on("data", (chunk) => {
      text += chunk.toString();
      const newline = text.indexOf("\n");
      if (newline >= 0) settle(() => resolve(JSON.parse(text.slice(0, newline)) as ControlReply));
    });
    socket.on("error", (error) =>
      settle(() => reject(new ControlUnavailable(`cannot reach ${where}: ${error.message}`))),
    );
    socket.on("close", () =>
      settle(() => reject(new ControlUnavailable(`${where} closed without an answer`))),
    );
  });
}
