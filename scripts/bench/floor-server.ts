/**
 * The start-up floor for scripts/bench-startup.ts: the least a compiled Bun TLS server does
 * (read cert and key, Bun.listen, print the port). With OWN_CA = "own-ca" it also passes its
 * certificate as `ca`, as norc-server does, which skips Bun's bundled root certificates.
 * Usage: floor-server CERT KEY PORT [OWN_CA]
 */
const [cert = "", key = "", port = "0", ownCa = ""] = process.argv.slice(2);
const listener = Bun.listen({
  hostname: "127.0.0.1",
  port: Number(port),
  tls: { cert: Bun.file(cert), key: Bun.file(key), ...(ownCa === "own-ca" ? { ca: Bun.file(cert) } : {}) },
  socket: { data() {} },
});
console.log(`listening on 127.0.0.1:${listener.port}`);
