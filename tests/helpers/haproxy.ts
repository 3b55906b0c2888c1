import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./binary.ts";
import { accepts } from "./daemon-instance.ts";

/** The haproxy binary (Debian `haproxy`; `.ci/run` installs it when missing), or undefined. */
export function haproxyBinary(): string | undefined {
  return ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"].find((path) =>
    existsSync(path),
  );
}

/** A running HAProxy in TCP mode in front of `backends`, on a port below 32768. */
export interface Haproxy {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts HAProxy in the foreground (`-db`) with a TCP frontend on a free port, round-robin over
 * `backends` with health checks every 300 ms (a killed instance leaves the rotation within a second).
 */
export async function startHaproxy(dir: string, backends: number[]): Promise<Haproxy> {
  const binary = haproxyBinary();
  if (binary === undefined) throw new Error("haproxy is not installed (apt-get install haproxy)");
  const port = await freePort();
  const config = [
    "global",
    "  maxconn 9000",
    "defaults",
    "  mode tcp",
    "  timeout connect 2s",
    "  timeout client 10m",
    "  timeout server 10m",
    "  retries 2",
    "  option redispatch",
    "frontend norc",
    `  bind 127.0.0.1:${port}`,
    "  default_backend instances",
    "backend instances",
    "  balance roundrobin",
    ...backends.map(
      (backend, n) => `  server i${n + 1} 127.0.0.1:${backend} check inter 300ms fall 1 rise 1`,
    ),
    "",
  ].join("\n");
  const file = join(dir, "haproxy.cfg");
  writeFileSync(file, config);
  const child: Subprocess = Bun.spawn([binary, "-db", "-f", file], { stdout: "pipe", stderr: "pipe" });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`haproxy did not start: ${await new Response(child.stderr as ReadableStream).text()}`);
    }
    await Bun.sleep(50);
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await child.exited;
    },
  };
}
