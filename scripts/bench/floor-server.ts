/**
 * The start-up floor for scripts/bench-startup.ts: the least a compiled Bun TLS server does
 * (read cert and key, Bun.listen, print the port). Usage: floor-server CERT KEY PORT
 */
const [cert = "", key = "", port = "0"] = process.argv.slice(2);
const listener = Bun.listen({
  hostname: "127.0.0.1",
  port: Number(port),
  tls: { cert: Bun.file(cert), key: Bun.file(key) },
  socket: { data() {} },
});
console.log(`listening on 127.0.0.1:${listener.port}`);
