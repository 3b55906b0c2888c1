import type { Version } from "./hello.ts";

/** Capabilities both sides MUST list (§4.4). */
export const REQUIRED_CAPABILITIES = [
  "norc-c.core.v1",
  "kem.x25519",
  "sig.ed25519",
  "hash.blake3",
  "aead.chacha20poly1305",
] as const;

/** The capability naming this profile. */
export const CORE_CAPABILITY = "norc-c.core.v1";

/** What this implementation lists, in preference order (server: both pad profiles, as §4.4 requires). */
export const OWN_CAPABILITIES = [...REQUIRED_CAPABILITIES, "PAD-PROFILE-1", "PAD-PROFILE-4"];

/** The (major, minor) pairs this implementation speaks, and its patch number. */
export const SUPPORTED_VERSIONS: readonly { major: number; minor: number }[] = [{ major: 1, minor: 0 }];
export const OWN_PATCH = 0;

/** The negotiated algorithm suite (§4.4). */
export interface Suite {
  aead: "chacha20poly1305" | "aes256gcm";
  hash: "blake3" | "sha256";
  hkdf: "blake3" | "hmacsha256";
  pad: "PAD-PROFILE-1" | "PAD-PROFILE-4";
}

/** §4.3: the highest client entry whose (major, minor) the server supports, with the server's patch; or null. */
export function negotiateVersion(
  offered: Version[],
  supported: readonly { major: number; minor: number }[] = SUPPORTED_VERSIONS,
  patch = OWN_PATCH,
): Version | null {
  let best: Version | null = null;
  for (const v of offered) {
    if (!supported.some((s) => s.major === v.major && s.minor === v.minor)) continue;
    if (best === null || v.major > best.major || (v.major === best.major && v.minor > best.minor)) {
      best = { major: v.major, minor: v.minor, patch };
    }
  }
  return best;
}

/** §4.4 suite selection from both lists; null when something required is missing (→ 102). */
export function selectSuite(client: readonly string[], server: readonly string[]): Suite | null {
  const both = (name: string) => client.includes(name) && server.includes(name);
  const base = ["norc-c.core.v1", "kem.x25519", "sig.ed25519"];
  if (!base.every(both)) return null;
  if (!client.includes("PAD-PROFILE-1") && !client.includes("PAD-PROFILE-4")) return null;
  const pad = both("PAD-PROFILE-1") ? "PAD-PROFILE-1" : "PAD-PROFILE-4";
  if (client.includes("cap.fips.v1") || server.includes("cap.fips.v1")) {
    if (!both("aead.aes256gcm") || !both("hash.sha256")) return null;
    return { aead: "aes256gcm", hash: "sha256", hkdf: "hmacsha256", pad };
  }
  if (!both("hash.blake3") || !both("aead.chacha20poly1305")) return null;
  const aead = client.find(
    (name) => name === "aead.chacha20poly1305" || (name === "aead.aes256gcm" && both(name)),
  );
  return {
    aead: aead === "aead.aes256gcm" ? "aes256gcm" : "chacha20poly1305",
    hash: "blake3",
    hkdf: "blake3",
    pad,
  };
}

/** The ALGSET string of a suite, byte-compared by the client (downgrade check). */
export function algsetString(suite: Suite): string {
  return `ALGSET:v1|sig=ed25519|kem=x25519|aead=${suite.aead}|hash=${suite.hash}|hkdf=${suite.hkdf}|pad=${suite.pad}`;
}
