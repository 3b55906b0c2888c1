import { connect as connectTcp } from "node:net";
import { connect as connectTls } from "node:tls";

/**
 * Benchmark client (run by scripts/bench-connections.ts): opens COUNT connections to
 * 127.0.0.1:PORT from LOCAL_ADDRESS (plain or TLS), a few at a time, prints "open N" once all
 * are up, then holds them idle until stdin closes.
 */
const [port = "0", count = "0", localAddress = "127.0.0.1", mode = "plain"] = process.argv.slice(2);
const total = Number(count);
const CONCURRENCY = 64;
const sockets: Array<{ destroy(): void }> = [];
let opened = 0;
let failed = 0;

function openOne(): Promise<void> {
  return new Promise((resolve) => {
    const options = { host: "127.0.0.1", port: Number(port), localAddress };
    const done = (ok: boolean) => {
      if (ok) opened++;
      else failed++;
      resolve();
    };
    const socket =
      mode === "tls"
        ? connectTls({ ...options, rejectUnauthorized: false }, () => done(true))
        : connectTcp(options, () => done(true));
    socket.on("error", () => done(false));
    sockets.push(socket);
  });
}

let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) {
      next++;
      await openOne();
    }
  }),
);
console.log(`open ${opened} failed ${failed}`);
for await (const _ of process.stdin) {
  // hold until the parent closes stdin
}
for (const socket of sockets) socket.destroy();
process.exit(0);
