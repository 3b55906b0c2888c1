import { writeSync } from "node:fs";
import { errnoCode } from "../util/errno.ts";

/**
 * Writes `data` to `fd`, looping over partial writes. A non-blocking pipe that is full (EAGAIN) is
 * retried after 1 ms when `blocking`, otherwise the call stops there. Returns the bytes written.
 */
export function writeFully(fd: number, data: Uint8Array, blocking: boolean): number {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      if (errnoCode(error) !== "EAGAIN") throw error;
      if (!blocking) break;
      Bun.sleepSync(1);
    }
  }
  return offset;
}

let lastReport = "";

/** Tells the operator on stderr that log output failed (once per distinct message); never throws. */
export function reportLogFailure(message: string): void {
  if (message === lastReport) return;
  lastReport = message;
  try {
    writeSync(2, `norc-server: ${message}\n`);
  } catch {
    // stderr is gone too: nowhere left to report
  }
}
