import { expect, test } from "bun:test";
import { randomBytes } from "../../../src/protocol/bytes.ts";
import { buildFrame, FrameType } from "../../../src/protocol/header.ts";
import { INBOUND_MAX_BYTES } from "../../../src/session/session.ts";
import { SessionHarness } from "./session-helpers.ts";

const timeSync = (nowMs: number) =>
  buildFrame(
    {
      version: 1,
      type: FrameType.timeSync,
      flags: 0,
      timestampMs: BigInt(nowMs),
      messageId: randomBytes(32),
    },
    new Uint8Array(0),
  );

test("§7.3 inbound: with more than 10 MiB unsent the session stops reading, and resumes on drain", () => {
  const h = new SessionHarness();
  h.connect();
  h.received();
  h.buffered = INBOUND_MAX_BYTES + 1;
  for (let i = 0; i < 3; i++) h.sendRecord(timeSync(h.nowMs));
  expect(h.received().length).toBe(0);
  expect([h.pauses, h.resumes]).toEqual([1, 0]);

  h.buffered = 0;
  h.session.onDrain();
  expect(h.received().length).toBe(3);
  expect([h.pauses, h.resumes]).toEqual([1, 1]);
});
