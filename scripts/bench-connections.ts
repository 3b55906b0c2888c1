import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Holds N idle connections (plain, then TLS) against the compiled server (dist/norc-server, run
 * `bun run build` first) from several client processes and source addresses 127.0.0.x, and prints
 * accepted/s and resident memory per connection (VmRSS from /proc; Linux only).
 *   bun scripts/bench-connections.ts [connections=19000] [client processes=4]
 * The server needs a file-descriptor limit above N (`ulimit -n`).
 */
const connections = Number(process.argv[2] ?? 19_000);
const clients = Number(process.argv[3] ?? 4);
const root = resolve(import.meta.dir, "..");
const binary = join(root, "dist", "norc-server");

function rssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return Number(line?.[1] ?? 0);
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.split(" ")[1] ?? Number.NaN);
}

async function waitForLine(stream: ReadableStream<Uint8Array>, pattern: RegExp): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    const line = text.split("\n").find((candidate) => pattern.test(candidate));
    if (line !== undefined) return line;
  }
  throw new Error(`stream ended before ${pattern}:\n${text}`);
}

async function run(tls: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "norc-bench-"));
  const metricsPort = 19_090 + (tls ? 1 : 0);
  await Bun.write(
    join(dir, "config.toml"),
    `[network]\nbind_address = "0.0.0.0"\nport = 0\nmax_connections = ${connections + 100}\nconnection_timeout_secs = 3600\n` +
      `[tls]\nenabled = ${tls}\n[logging]\nlevel = "warn"\n[metrics]\nenabled = true\nport = ${metricsPort}\n`,
  );
  const server = Bun.spawn([binary, "start", "--log-level", "info"], {
    cwd: dir,
    stdout: "pipe",
    stderr: "inherit",
  });
  try {
    const port = Number(/:(\d+) \(/.exec(await waitForLine(server.stdout, /listening on/))?.[1]);
    await Bun.sleep(300);
    const idleKb = rssKb(server.pid);
    const started = performance.now();
    const per = Math.ceil(connections / clients);
    const children = Array.from({ length: clients }, (_, i) =>
      Bun.spawn(
        [
          "bun",
          join(import.meta.dir, "bench", "hold-connections.ts"),
          String(port),
          String(per),
          `127.0.0.${i + 2}`,
          tls ? "tls" : "plain",
        ],
        { stdin: "pipe", stdout: "pipe", stderr: "inherit" },
      ),
    );
    const reports = await Promise.all(children.map((child) => waitForLine(child.stdout, /^open \d+/)));
    const elapsedS = (performance.now() - started) / 1000;
    const open = await metric(metricsPort, "norc_connections_open");
    await Bun.sleep(1000);
    const heldKb = rssKb(server.pid);
    const perConnKb = (heldKb - idleKb) / Math.max(1, open);
    const budgetMb = 100 + (6 * open) / 1024;
    console.log(
      `${tls ? "TLS  " : "plain"}: ${open} held (clients: ${reports.join("; ")}), ${(open / elapsedS).toFixed(0)} accepted/s, ` +
        `RSS idle ${(idleKb / 1024).toFixed(1)} MB -> ${(heldKb / 1024).toFixed(1)} MB = ${perConnKb.toFixed(2)} KB/connection ` +
        `(target <= ${budgetMb.toFixed(0)} MB: ${heldKb / 1024 <= budgetMb ? "met" : "MISSED"})`,
    );
    for (const child of children) child.stdin.end();
    await Promise.all(children.map((child) => child.exited));
  } finally {
    server.kill("SIGKILL");
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

await run(false);
await run(true);
