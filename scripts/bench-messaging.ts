// Costs of the messaging codecs, each next to its floor (the primitive underneath it), so the
// overhead of the codec itself shows. Usage: bun scripts/bench-messaging.ts [--ms 300]
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { openPayload, recipientKeys, sealPayload } from "../src/protocol/e2e-payload.ts";
import { ed25519PrivateKey, rawPublicKey, signEd25519, verifyEd25519Raw } from "../src/protocol/keys.ts";
import { deviceIdOf } from "../src/protocol/messages.ts";
import { RecordCipher } from "../src/protocol/record.ts";
import { buildSend, checkSendSignature, decodeSend } from "../src/protocol/send.ts";
import { verifyStrict } from "../src/protocol/strict-ed25519.ts";

const msIndex = Bun.argv.indexOf("--ms");
const budgetMs = msIndex < 0 ? 300 : Number(Bun.argv[msIndex + 1]);

/** Mean µs per call of `run` over about `budgetMs` (after a short warm-up). */
function measure(run: () => unknown): number {
  for (let i = 0; i < 50; i++) run();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    run();
    calls++;
  }
  return ((performance.now() - start) * 1000) / calls;
}

function row(name: string, us: number, floorName: string, floorUs: number): void {
  const cells = [
    name.padEnd(34),
    `${us.toFixed(1).padStart(8)} µs`,
    `floor ${floorName}`.padEnd(34),
    `${floorUs.toFixed(1).padStart(8)} µs`,
  ];
  console.log(cells.join("  "));
}

const seedA = new Uint8Array(32).fill(1);
const seedB = new Uint8Array(32).fill(2);
const keyA = ed25519PrivateKey(seedA);
const publicA = rawPublicKey(keyA);
const publicB = rawPublicKey(ed25519PrivateKey(seedB));
const keysB = recipientKeys(seedB);
const message = new Uint8Array(1024).fill(7);
const signature = signEd25519(keyA, message);
row(
  "verifyStrict, 1 KiB",
  measure(() => verifyStrict(publicA, message, signature)),
  "node verify",
  measure(() => verifyEd25519Raw(publicA, message, signature)),
);

for (const size of [1024, 65_536]) {
  const binding = {
    senderId: deviceIdOf(publicA),
    recipientId: deviceIdOf(publicB),
    conversation: new Uint8Array(32),
    sequence: 1n,
    messageId: new Uint8Array(32).fill(3),
  };
  const content = { contentType: 0, metadata: [], body: new Uint8Array(size - 100) };
  const payload = sealPayload(content, publicB, binding, { pad: "PAD-PROFILE-1" });
  const chacha = () =>
    chacha20poly1305(new Uint8Array(32), new Uint8Array(12), new Uint8Array(136)).encrypt(
      new Uint8Array(size - 48),
    );
  row(
    `sealPayload, ${size / 1024} KiB`,
    measure(() => sealPayload(content, publicB, binding, { pad: "PAD-PROFILE-1" })),
    "ChaCha20-Poly1305 seal",
    measure(chacha),
  );
  row(
    `openPayload, ${size / 1024} KiB`,
    measure(() => openPayload(payload, keysB, binding)),
    "ChaCha20-Poly1305 seal",
    measure(chacha),
  );
  const inner = buildSend(
    {},
    {
      recipientId: binding.recipientId,
      conversation: binding.conversation,
      sequence: 1n,
      prevMessageHash: new Uint8Array(32),
      encryptedPayload: payload,
    },
    keyA,
  );
  const cipher = new RecordCipher(new Uint8Array(32), new Uint8Array(32));
  const relay = () => {
    const body = decodeSend(inner, { sessionDeviceId: binding.senderId });
    checkSendSignature(body, publicA);
    return cipher.seal(inner);
  };
  const floor = () => {
    verifyEd25519Raw(publicA, inner.subarray(0, inner.length - 64), inner.subarray(inner.length - 64));
    return cipher.seal(inner);
  };
  row(
    `relay 0x10 ${size / 1024} KiB (decode+verify+seal)`,
    measure(relay),
    "node verify + seal",
    measure(floor),
  );
}
