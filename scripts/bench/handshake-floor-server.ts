/**
 * The handshake floor for scripts/bench-handshake.ts: TLS accept (Bun.listen, the server's own
 * certificate) plus the native and hashing work of the NCP-1 server handshake on each ClientHello:
 * X25519 keygen and derive, BLAKE3 over CH ‖ SH, Ed25519 sign, the HKDF-BLAKE3 key schedule. It
 * answers with a ServerHello-sized reply and parses nothing it does not need.
 * Usage: handshake-floor-server CERT KEY
 */
import { createPublicKey, diffieHellman, generateKeyPairSync, sign } from "node:crypto";
import { blake3 } from "@noble/hashes/blake3.js";
import { createClientHello } from "../../src/protocol/client-handshake.ts";
import { deriveSessionKeys } from "../../src/protocol/key-schedule.ts";
import { generateEphemeral, rawPublicKey } from "../../src/protocol/keys.ts";
import { acceptClientHello } from "../../src/protocol/server-handshake.ts";

const [cert = "", key = ""] = process.argv.slice(2);
const X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");
const identity = generateKeyPairSync("ed25519").privateKey;
/** The size of a real ServerHello, from one real handshake at start. */
const serverHelloBytes = acceptClientHello(createClientHello().frame, {
  privateKey: identity,
  publicKey: rawPublicKey(identity),
  fingerprint: "",
}).serverHello.length;

function handshakeCrypto(clientHello: Uint8Array): Uint8Array {
  const ephemeral = generateEphemeral();
  const clientKey = createPublicKey({
    key: Buffer.concat([X25519_SPKI, clientHello.subarray(clientHello.length - 32)]),
    format: "der",
    type: "spki",
  });
  const shared = new Uint8Array(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: clientKey }));
  const reply = new Uint8Array(serverHelloBytes);
  reply.set(ephemeral.publicKey, 64);
  const hasher = blake3
    .create()
    .update(clientHello)
    .update(reply.subarray(0, serverHelloBytes - 64));
  reply.set(sign(null, hasher.clone().digest(), identity), serverHelloBytes - 64);
  const th = hasher.update(reply.subarray(serverHelloBytes - 64)).digest();
  deriveSessionKeys(shared, clientHello.subarray(0, 32), reply.subarray(0, 32), th);
  return reply;
}

const listener = Bun.listen<{ received: Uint8Array[]; bytes: number }>({
  hostname: "127.0.0.1",
  port: 0,
  tls: { cert: Bun.file(cert), key: Bun.file(key) },
  socket: {
    open(socket) {
      socket.data = { received: [], bytes: 0 };
    },
    data(socket, chunk) {
      const state = socket.data;
      state.received.push(new Uint8Array(chunk));
      state.bytes += chunk.length;
      const frame = Buffer.concat(state.received);
      if (frame.length < 8 || frame.length < frame.readUInt32BE(4)) return;
      socket.write(handshakeCrypto(frame.subarray(0, frame.readUInt32BE(4))));
    },
  },
});
console.log(`listening on 127.0.0.1:${listener.port} (ServerHello ${serverHelloBytes} bytes)`);
