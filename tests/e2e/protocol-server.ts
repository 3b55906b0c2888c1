import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv } from "../helpers/binary.ts";
import { type ServerProcess, startServer } from "../helpers/server-process.ts";

/** A compiled server on 127.0.0.1 with an OS-chosen port, and what its log says about it. */
export interface RunningNcpServer {
  process: ServerProcess;
  port: number;
  fingerprint: string;
}

/**
 * Starts the binary in `dir` (zero-config: TLS with a generated certificate; or `plain`) and waits
 * until it listens. `extra` config sections go into a config.toml (plain implies one).
 */
export async function startNcpServer(
  dir: string,
  options: { plain?: boolean; extra?: string } = {},
): Promise<RunningNcpServer> {
  const args = ["--port", "0", "--bind", "127.0.0.1"];
  if (options.plain || options.extra !== undefined) {
    const tls = options.plain ? "[tls]\nenabled = false\n" : "";
    writeFileSync(join(dir, "config.toml"), `${tls}${options.extra ?? ""}`);
    args.push("-c", join(dir, "config.toml"));
  }
  const server = startServer(args, { cwd: dir, env: cleanEnv() });
  try {
    const fingerprintLine = await server.waitFor(/server identity fingerprint: [0-9a-f]{64}/);
    const listening = await server.waitFor(/listening on 127\.0\.0\.1:\d+/);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(listening)?.[1]);
    const fingerprint = /fingerprint: ([0-9a-f]{64})/.exec(fingerprintLine)?.[1] as string;
    return { process: server, port, fingerprint };
  } catch (error) {
    await server.kill();
    throw error;
  }
}
