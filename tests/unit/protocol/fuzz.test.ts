import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeErrorBody } from "../../../src/protocol/error-frame.ts";
import { FrameReader } from "../../../src/protocol/frame-reader.ts";
import {
  buildFrame,
  FrameType,
  frameBody,
  HEADER_SIZE,
  PREAUTH_MAX_FRAME,
} from "../../../src/protocol/header.ts";
import { decodeClientHello, decodeServerHello } from "../../../src/protocol/hello.ts";
import { decodeAuthRequest, decodeRegister, decodeTimeSyncReply } from "../../../src/protocol/messages.ts";
import { ProtocolError } from "../../../src/protocol/protocol-error.ts";
import { SessionHarness } from "../session/session-helpers.ts";
import { G1, G2 } from "./vectors.ts";

/** Splits `bytes` at the given cut points. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    parts.push(bytes.subarray(start, point));
    start = point;
  }
  return parts;
}

const frameArb = fc
  .tuple(fc.nat(255), fc.uint8Array({ maxLength: 200 }))
  .map(([type, body]) =>
    buildFrame(
      { version: 1, type, flags: 0, timestampMs: 1n, messageId: new Uint8Array(32).fill(type) },
      body,
    ),
  );

describe("frame reader", () => {
  test("any split of a run of frames yields exactly those frames", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, cuts) => {
          const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
          let offset = 0;
          for (const frame of frames) {
            stream.set(frame, offset);
            offset += frame.length;
          }
          const reader = new FrameReader();
          const out: Uint8Array[] = [];
          for (const part of split(stream, cuts)) {
            reader.push(part);
            for (
              let o = reader.next(PREAUTH_MAX_FRAME);
              o.kind === "frame";
              o = reader.next(PREAUTH_MAX_FRAME)
            )
              out.push(o.frame);
          }
          expect(out).toEqual(frames);
          expect(reader.buffered).toBe(0);
        },
      ),
    );
  });

  test("random bytes: only frames, need, 101 or 402; never buffers a frame past the limit", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 30 }),
        fc.constantFrom(256, 1024, PREAUTH_MAX_FRAME),
        (chunks, limit) => {
          const reader = new FrameReader();
          for (const chunk of chunks) {
            reader.push(chunk);
            for (;;) {
              const outcome = reader.next(limit);
              if (outcome.kind === "frame") {
                expect(outcome.frame.length).toBeGreaterThanOrEqual(HEADER_SIZE);
                expect(outcome.frame.length).toBeLessThanOrEqual(limit);
                continue;
              }
              if (outcome.kind === "error") {
                expect([101, 402]).toContain(outcome.code);
                expect(reader.buffered).toBe(0);
              } else {
                expect(reader.buffered).toBeLessThan(Math.max(8, limit));
              }
              break;
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a length field above the limit is refused with only 8 bytes seen", () => {
    const reader = new FrameReader();
    reader.push(Uint8Array.of(1, 1, 0, 0, 0xff, 0xff, 0xff, 0xff));
    expect(reader.next(PREAUTH_MAX_FRAME)).toMatchObject({ kind: "error", code: 402 });
    reader.push(new Uint8Array(100));
    expect(reader.buffered).toBe(0);
  });
});

describe("decoders on mutated input", () => {
  const decoders: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ["ClientHello", frameBody(G1), decodeClientHello],
    ["ServerHello", frameBody(G2), decodeServerHello],
    ["Error", new Uint8Array(40), decodeErrorBody],
    ["Register (inner)", G1, decodeRegister],
    ["AuthRequest (inner)", G2, decodeAuthRequest],
    ["TimeSync (inner)", G2, decodeTimeSyncReply],
  ];
  test.each(decoders)("%s: mutations either decode or throw ProtocolError 101", (_name, seed, decode) => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 8 }), fc.nat(), (mutations, cut) => {
        const bytes = seed.slice(0, seed.length - (cut % 8 === 0 ? cut % seed.length : 0));
        for (const [position, value] of mutations)
          if (bytes.length > 0) bytes[position % bytes.length] = value;
        try {
          decode(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).code).toBe(101);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe("server session on hostile input", () => {
  test("random and mutated bytes never throw out of the session; every reply is an Error frame", () => {
    const seeds = [
      G1,
      buildFrame(
        { version: 1, type: FrameType.timeSync, flags: 1, timestampMs: 0n, messageId: new Uint8Array(32) },
        new Uint8Array(16),
      ),
    ];
    fc.assert(
      fc.property(
        fc.nat(seeds.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 64 }),
        (seedIndex, mutations, cuts, tail) => {
          const bytes = (seeds[seedIndex] as Uint8Array).slice();
          for (const [position, value] of mutations) bytes[position % bytes.length] = value;
          const h = new SessionHarness();
          for (const part of split(bytes, cuts)) h.session.onData(part);
          h.session.onData(tail);
          if (h.session.state === "keyed") return;
          const frames = h.received();
          if (frames.length > 0) expect(frames.at(-1)?.[2]).toBe(FrameType.error);
        },
      ),
      { numRuns: 300 },
    );
  });
});
