/**
 * Formats an address and port as logged and printed: "127.0.0.1:8443", "[::1]:8443"; an
 * IPv4-mapped IPv6 address ("::ffff:10.0.0.1") is shown as plain IPv4.
 */
export function formatHostPort(address: string, port: number): string {
  const plain = address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
  return plain.includes(":") ? `[${plain}]:${port}` : `${plain}:${port}`;
}

/** The address part of a peer as formatHostPort writes it ("[::1]:5000" -> "::1"). */
export function peerAddress(peer: string): string {
  const cut = peer.lastIndexOf(":");
  const host = cut > 0 ? peer.slice(0, cut) : peer;
  return host.replace(/^\[|\]$/g, "");
}
