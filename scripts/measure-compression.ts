/**
 * What storage.compression_enabled buys on realistic data: real NCP-1 0x10 frames (text sealed
 * end to end with PAD-PROFILE-1, signed) compressed one by one as the store would, and a zstd
 * backup of a store holding them. Prints the ratios the README states.
 *   bun scripts/measure-compression.ts [MESSAGES=2000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { composeMessage, deviceKeys } from "../src/client/device-messaging.ts";
import { randomBytes, utf8 } from "../src/protocol/bytes.ts";
import { buildKeyResponse, DeviceState, decodeKeyResponse } from "../src/protocol/directory.ts";
import { SendChain } from "../src/protocol/send-chain.ts";
import { backupContents } from "../src/store/sqlite/backup.ts";
import { packFrame } from "../src/store/sqlite/frame-packing.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";

const count = Number(process.argv[2] ?? 2000);
const alice = deviceKeys(randomBytes(32));
const bob = deviceKeys(randomBytes(32));
const entry = decodeKeyResponse(
  buildKeyResponse(
    {},
    {
      refMessageId: new Uint8Array(32),
      entries: [
        {
          deviceId: bob.deviceId,
          userId: "bob",
          publicKey: bob.publicKey,
          state: DeviceState.active,
          registeredAtMs: 0n,
          capabilities: 0,
          presence: 0,
        },
      ],
    },
  ),
).entries[0];
if (entry === undefined) throw new Error("no directory entry");
const chain = new SendChain();
const conversation = randomBytes(32);
const words = "the quick brown fox jumps over the lazy dog and then some ordinary chat text ".repeat(4);
const frames: Uint8Array[] = [];
for (let i = 0; i < count; i++) {
  const text = words.slice(0, 40 + (i % 260));
  frames.push(
    composeMessage(alice, entry, {
      conversation,
      content: { contentType: 1, metadata: [], body: utf8(text) },
      chain,
      pad: "PAD-PROFILE-1",
    }).inner,
  );
}
const raw = frames.reduce((sum, frame) => sum + frame.byteLength, 0);
const packed = frames.reduce((sum, frame) => sum + packFrame(frame, true).bytes.byteLength, 0);
const kept = frames.filter((frame) => packFrame(frame, true).zstd === 1).length;

const dir = mkdtempSync(join(tmpdir(), "norc-compression-"));
try {
  const store = SqliteStore.open(join(dir, "data"), { compressFrames: true });
  const now = Date.now();
  const device = (id: Uint8Array, publicKey: Uint8Array, userId: string) => ({
    id,
    publicKey,
    userId,
    state: "active" as const,
    info: "phone",
    capabilities: 0,
    registeredAtMs: now,
    updatedAtMs: now,
  });
  await store.commit({
    writes: [
      { type: "putDevice", device: device(alice.deviceId, alice.publicKey, "alice") },
      { type: "putDevice", device: device(bob.deviceId, bob.publicKey, "bob") },
    ],
  });
  await Promise.all(
    frames.map((frame, i) => {
      const messageId = randomBytes(32);
      return store.commit({
        writes: [
          {
            type: "enqueue",
            entry: {
              recipient: bob.deviceId,
              kind: "message",
              messageId,
              sender: alice.deviceId,
              frame,
              enqueuedAtMs: now + i,
              expiresAtMs: now + 86_400_000,
            },
          },
          {
            type: "markSeen",
            seen: { messageId, sender: alice.deviceId, recipient: bob.deviceId, atMs: now + i },
          },
          { type: "touchContact", a: alice.deviceId, b: bob.deviceId, atMs: now + i },
        ],
      });
    }),
  );
  const backup = await store.backup(join(dir, "backup.db.zst"), true);
  await store.close();
  const plainBytes = backupContents(backup.file).byteLength;
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
  console.log(`${count} real 0x10 frames (text, PAD-PROFILE-1, signed): ${raw} bytes`);
  console.log(
    `  per frame, zstd kept where it saves >= 10 %: ${kept} of ${count} kept compressed; stored ${packed} bytes = ${pct(packed, raw)} of the frames (ratio ${(raw / packed).toFixed(4)})`,
  );
  console.log(
    `  backup of that store: ${plainBytes} bytes uncompressed, ${backup.bytes} bytes zstd = ${pct(backup.bytes, plainBytes)} (ratio ${(plainBytes / backup.bytes).toFixed(3)})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
