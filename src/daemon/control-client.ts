import { createConnection } from "node:net";
import type { ControlReply, ControlRequest } from "./control-protocol.ts";

/** The control channel could not be reached (no socket, refused, timed out). */
export class ControlUnavailable extends Error {}

/** Sends one request over the instance's control socket and returns its reply. */
export function sendControl(
  socketPath: string,
  request: ControlRequest,
  timeoutMs = 10_000,
): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    let text = "";
    let settled = false;
    const socket = createConnection(socketPath);
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(
      () => settle(() => reject(new ControlUnavailable(`no answer on ${socketPath} within ${timeoutMs} ms`))),
      timeoutMs,
    );
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk) => {
      text += chunk.toString();
      const newline = text.indexOf("\n");
      if (newline >= 0) settle(() => resolve(JSON.parse(text.slice(0, newline)) as ControlReply));
    });
    socket.on("error", (error) =>
      settle(() => reject(new ControlUnavailable(`cannot reach ${socketPath}: ${error.message}`))),
    );
    socket.on("close", () =>
      settle(() => reject(new ControlUnavailable(`${socketPath} closed without an answer`))),
    );
  });
}
