import { blake3 } from "@noble/hashes/blake3.js";
import { concatBytes, utf8 } from "./bytes.ts";
import { SH_SIG_LABEL } from "./hello.ts";
import { hkdf, hkdfExpand, hkdfExtract } from "./hkdf.ts";

const MS_LABEL = utf8("norc:ms:v1");
const C2S_LABEL = utf8("norc:tk:c2s:v1");
const S2C_LABEL = utf8("norc:tk:s2c:v1");

/** th = H(CH ‖ SH ‖ algset), SH complete with its signature (§4.6). */
export function transcriptHash(clientHello: Uint8Array, serverHello: Uint8Array, algset: string): Uint8Array {
  return blake3(concatBytes(clientHello, serverHello, utf8(algset)));
}

/** The message the server signs: "norc:sh-sig:v1" ‖ H(CH ‖ SH⁻) (§4.2). */
export function serverHelloSignatureInput(
  clientHello: Uint8Array,
  unsignedServerHello: Uint8Array,
): Uint8Array {
  return concatBytes(SH_SIG_LABEL, blake3(concatBytes(clientHello, unsignedServerHello)));
}

/**
 * Both hashes over the handshake in one pass over CH ‖ SH⁻: the signature input now, and th once
 * the signature is known (th = H(CH ‖ SH⁻ ‖ signature ‖ algset) = H(CH ‖ SH ‖ algset)).
 */
export function beginTranscript(
  clientHello: Uint8Array,
  unsignedServerHello: Uint8Array,
): { signatureInput: Uint8Array; finish: (signature: Uint8Array, algset: string) => Uint8Array } {
  const hasher = blake3.create().update(clientHello).update(unsignedServerHello);
  const signatureInput = concatBytes(SH_SIG_LABEL, hasher.clone().digest());
  return {
    signatureInput,
    finish: (signature, algset) => hasher.update(signature).update(utf8(algset)).digest(),
  };
}

/** The per-connection secrets of §4.6. */
export interface SessionKeys {
  masterSecret: Uint8Array;
  clientToServer: Uint8Array;
  serverToClient: Uint8Array;
}

/** ms = HKDF(Nc ‖ Ns, ss, "norc:ms:v1" ‖ th, 32), then the two traffic keys. */
export function deriveSessionKeys(
  sharedSecret: Uint8Array,
  clientNonce: Uint8Array,
  serverNonce: Uint8Array,
  th: Uint8Array,
): SessionKeys {
  const masterSecret = hkdf(
    concatBytes(clientNonce, serverNonce),
    sharedSecret,
    concatBytes(MS_LABEL, th),
    32,
  );
  const prk = hkdfExtract(undefined, masterSecret);
  return {
    masterSecret,
    clientToServer: hkdfExpand(prk, C2S_LABEL, 32),
    serverToClient: hkdfExpand(prk, S2C_LABEL, 32),
  };
}
