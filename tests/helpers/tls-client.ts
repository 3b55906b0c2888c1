import type { Subprocess } from "bun";

/** An `openssl s_client` session kept open (stdin piped) so the test decides when it ends. */
export interface TlsClient {
  child: Subprocess<"pipe", "pipe", "pipe">;
  output: () => string;
  /** Resolves when output matches `pattern`; rejects after `timeoutMs` or if the client exits first. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  /** Resolves with the exit code, or undefined if still running after `timeoutMs`. */
  exitWithin: (timeoutMs: number) => Promise<number | undefined>;
  kill: () => Promise<void>;
}

/** Connects `openssl s_client` to 127.0.0.1:port with extra arguments (-tls1_2, -cert, ...). */
export function tlsClient(port: number, args: string[] = []): TlsClient {
  const child = Bun.spawn(
    ["openssl", "s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", ...args],
    {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  let text = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  void pump(child.stdout);
  void pump(child.stderr);
  const exitWithin = async (timeoutMs: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const code = await Promise.race([child.exited, timeout]);
    clearTimeout(timer);
    return code;
  };
  const waitFor = async (pattern: RegExp, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(text)) {
      if (child.exitCode !== null)
        throw new Error(`s_client exited (${child.exitCode}) before ${pattern}:\n${text}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${text}`);
      await Bun.sleep(20);
    }
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await child.exited;
  };
  return { child, output: () => text, waitFor, exitWithin, kill };
}
