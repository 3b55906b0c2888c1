/** What a PEM file holds, in words, judged by its `-----BEGIN <LABEL>-----` lines. */
export type PemContent = "a certificate" | "a private key" | "a public key" | "a certificate request";

/** The kinds of PEM block in `text`, in order, without repeats ([] = no PEM block at all). */
export function pemContents(text: string): PemContent[] {
  const found: PemContent[] = [];
  for (const match of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)) {
    const kind = contentOf(match[1] ?? "");
    if (kind !== undefined && !found.includes(kind)) found.push(kind);
  }
  return found;
}

function contentOf(label: string): PemContent | undefined {
  if (label === "CERTIFICATE" || label === "X509 CERTIFICATE" || label === "TRUSTED CERTIFICATE")
    return "a certificate";
  if (label.endsWith("PRIVATE KEY")) return "a private key";
  if (label.endsWith("PUBLIC KEY")) return "a public key";
  if (label.includes("CERTIFICATE REQUEST")) return "a certificate request";
  return undefined;
}
