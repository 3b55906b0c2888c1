import { describe, expect, test } from "bun:test";
import type { LogFields } from "../../../src/log/logger.ts";
import { SessionLog } from "../../../src/session/session-log.ts";
import { memoryLogger } from "../../helpers/memory-logger.ts";

const id = (n: number) => new Uint8Array(32).fill(n);
const hex = (n: number) => Buffer.from(id(n)).toString("hex");

/** A logger that keeps each info line's message and fields. */
function fieldsLogger() {
  const entries: { message: string; fields?: LogFields }[] = [];
  const logger = {
    ...memoryLogger(),
    info: (message: string, fields?: LogFields) => entries.push({ message, fields }),
  };
  return { logger, entries };
}

const start = (
  device: number,
  session: number,
  superseded?: { sessionId: Uint8Array; softExpired: boolean },
) => ({
  device: id(device),
  sessionId: id(session),
  superseded,
  algset: "NCP-1-SUITE",
  peer: "127.0.0.1:5000",
  queued: 3,
});

describe("SessionLog", () => {
  test("a start names the previous session and the trigger: first, supersede, renewal, reconnect", () => {
    const { logger, entries } = fieldsLogger();
    const log = new SessionLog();
    log.started(logger, start(1, 10));
    log.started(logger, start(1, 11, { sessionId: id(10), softExpired: false }));
    log.started(logger, start(1, 12, { sessionId: id(11), softExpired: true }));
    log.started(logger, start(1, 13));
    log.started(logger, start(2, 20));
    const summary = entries.map(({ message, fields }) => [
      message,
      fields?.session,
      fields?.previous,
      fields?.trigger,
    ]);
    expect(summary).toEqual([
      ["NCP-1 session started", hex(10), "none", "first"],
      ["NCP-1 session started", hex(11), hex(10), "supersede"],
      ["NCP-1 session started", hex(12), hex(11), "renewal"],
      ["NCP-1 session started", hex(13), hex(12), "reconnect"],
      ["NCP-1 session started", hex(20), "none", "first"],
    ]);
    expect(entries[0]?.fields).toMatchObject({
      device: hex(1),
      algset: "NCP-1-SUITE",
      peer: "127.0.0.1:5000",
      queued: 3,
    });
  });

  test("an end line carries the trigger, the code when one was sent, the duration and the message count", () => {
    const { logger, entries } = fieldsLogger();
    const log = new SessionLog();
    log.ended(logger, {
      device: id(1),
      sessionId: id(10),
      trigger: "superseded",
      code: 203,
      durationMs: 1234,
      messages: 7,
    });
    log.ended(logger, {
      device: id(1),
      sessionId: id(11),
      trigger: "connection_closed",
      durationMs: 50,
      messages: 0,
    });
    expect(entries).toEqual([
      {
        message: "NCP-1 session ended",
        fields: {
          device: hex(1),
          session: hex(10),
          trigger: "superseded",
          code: 203,
          duration_secs: 1.2,
          messages: 7,
        },
      },
      {
        message: "NCP-1 session ended",
        fields: {
          device: hex(1),
          session: hex(11),
          trigger: "connection_closed",
          duration_secs: 0.1,
          messages: 0,
        },
      },
    ]);
  });

  test("remembers at most maxDevices devices, forgetting the least recently started first", () => {
    const { logger, entries } = fieldsLogger();
    const log = new SessionLog(2);
    log.started(logger, start(1, 10));
    log.started(logger, start(2, 20));
    log.started(logger, start(1, 11));
    log.started(logger, start(3, 30));
    log.started(logger, start(1, 12));
    log.started(logger, start(2, 21));
    expect(entries.map(({ fields }) => fields?.previous)).toEqual([
      "none",
      "none",
      hex(10),
      "none",
      hex(11),
      "none",
    ]);
  });
});
