import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { PackingProbe, packFrame, unpackFrame } from "../../../src/store/sqlite/frame-packing.ts";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { tempDir } from "../../helpers/binary.ts";
import { device, id, sendWork } from "./store-fixtures.ts";

test("a frame is stored compressed only when zstd saves at least 10 %", () => {
  const ciphertext = new Uint8Array(randomBytes(1024));
  expect(packFrame(ciphertext, true)).toEqual({ bytes: ciphertext, zstd: 0 });
  const text = new TextEncoder().encode("metadata ".repeat(200));
  const packed = packFrame(text, true);
  expect(packed.zstd).toBe(1);
  expect(packed.bytes.byteLength).toBeLessThan(text.byteLength * 0.9);
  expect(unpackFrame(packed.bytes, packed.zstd)).toEqual(text);
  expect(packFrame(text, false)).toEqual({ bytes: text, zstd: 0 });
});

test("with compressFrames the row is flagged, reads give the exact frame back, caps count the frame's own bytes", async () => {
  const dir = tempDir("norc-pack-");
  try {
    const store = SqliteStore.open(dir.path, { compressFrames: true });
    await store.commit({
      writes: [
        { type: "putDevice", device: device(1) },
        { type: "putDevice", device: device(2) },
      ],
    });
    const compressible = sendWork(1, 1, 2, { size: 4096 });
    const random = sendWork(2, 1, 2, { size: 1024 });
    const noise = new Uint8Array(randomBytes(1024));
    const enqueue = random.writes.find((write) => write.type === "enqueue");
    if (enqueue?.type === "enqueue") enqueue.entry.frame = noise;
    await store.commit(compressible);
    await store.commit(random);
    const page = await store.mailboxPage(id(2), 0, 10);
    expect(page.map((entry) => entry.frame.byteLength)).toEqual([4096, 1024]);
    expect(page[1]?.frame).toEqual(noise);
    expect((await store.queueStats(id(2))).bytes).toBe(5120);
    await store.close();
    const raw = new Database(join(dir.path, "norc.db"), { readonly: true });
    const rows = raw
      .query("SELECT frame_zstd, length(frame) AS stored FROM entries ORDER BY seq")
      .all() as Array<{
      frame_zstd: number;
      stored: number;
    }>;
    raw.close();
    expect(rows[0]?.frame_zstd).toBe(1);
    expect(rows[0]?.stored).toBeLessThan(4096 * 0.9);
    expect(rows[1]).toEqual({ frame_zstd: 0, stored: 1024 });
  } finally {
    dir.cleanup();
  }
});

test("after a run of frames zstd cannot shrink, it is tried on a sample only, and a frame that shrinks brings it back", () => {
  const probe = new PackingProbe();
  const tries = (count: number, frame: () => Uint8Array) => {
    let tried = 0;
    for (let i = 0; i < count; i++) {
      const worth = probe.worthTrying();
      if (worth) tried++;
      packFrame(frame(), worth, probe);
    }
    return tried;
  };
  const noise = () => new Uint8Array(randomBytes(1024));
  expect(tries(16, noise)).toBe(16);
  expect(tries(640, noise)).toBe(10);
  const text = new TextEncoder().encode("metadata ".repeat(200));
  let shrunk = 0;
  for (let i = 0; i < 64 && shrunk === 0; i++) {
    if (probe.worthTrying()) shrunk += packFrame(text, true, probe).zstd;
  }
  expect(shrunk).toBe(1);
  expect(tries(16, noise)).toBe(16);
});
