import type { ListenInfo } from "../server/server-handle.ts";
import { DAEMON_STDIO_ENV, READY_FD_ENV, type ReadyMessage } from "./readiness.ts";
import { selfCommand } from "./self-command.ts";
import { READY_WAIT_MS } from "./timeouts.ts";

/** The outcome of `start --daemon` as the CLI reports it. */
export type DetachResult =
  | { ok: true; pid: number; listen: ListenInfo }
  | { ok: false; code: number; message: string };

export interface DetachOptions {
  /** The user's arguments without --daemon. */
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Where the daemon's stdout/stderr go once it is ready: its log file. */
  stdioTarget: string;
  timeoutMs?: number;
}

/**
 * Starts this program again in a new session (setsid), its stdout/stderr piped here until it is
 * ready, and waits for one READY/FAIL line on an inherited pipe (fd 3). Success only once the
 * server accepts connections; on failure the child's own error output and exit code come back.
 */
export async function startDetached(options: DetachOptions): Promise<DetachResult> {
  const child = Bun.spawn(selfCommand(options.args), {
    cwd: options.cwd,
    env: { ...options.env, [READY_FD_ENV]: "3", [DAEMON_STDIO_ENV]: options.stdioTarget },
    detached: true,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let output = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const readyFd = child.stdio[3] as unknown as number;
  const timeoutMs = options.timeoutMs ?? READY_WAIT_MS;
  let timer: Timer | undefined;
  const timedOut = new Promise<"timeout">((done) => {
    timer = setTimeout(() => done("timeout"), timeoutMs);
  });
  const line = await Promise.race([firstLine(readyFd), timedOut]);
  clearTimeout(timer);
  if (line === "timeout") {
    child.kill("SIGKILL");
    return {
      ok: false,
      code: 1,
      message:
        `the daemon (pid ${child.pid}) did not report readiness within ${timeoutMs / 1000} s and was killed\n${output}`.trim(),
    };
  }
  const message = parseMessage(line);
  if (message?.ok) {
    child.unref();
    return { ok: true, pid: message.pid, listen: message.listen };
  }
  const exitCode = await child.exited;
  await Promise.race([drained, Bun.sleep(500)]);
  const text = output.trim();
  if (message)
    return {
      ok: false,
      code: message.code,
      message: text.includes(message.message) ? text : joinLines(text, message.message),
    };
  const how = child.signalCode ? `was killed by ${child.signalCode}` : `exited with code ${exitCode}`;
  return {
    ok: false,
    code: exitCode || 1,
    message: joinLines(text, `the daemon ${how} before it was ready`),
  };
}

/** Reads up to the first newline (or EOF): a worker that inherited the pipe must not delay us. */
async function firstLine(fd: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of Bun.file(fd).stream()) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes("\n")) break;
  }
  return text;
}

function parseMessage(line: string): ReadyMessage | undefined {
  const first = line.split("\n")[0]?.trim();
  if (!first) return undefined;
  try {
    return JSON.parse(first) as ReadyMessage;
  } catch {
    return undefined;
  }
}

function joinLines(a: string, b: string): string {
  return a === "" ? b : `${a}\n${b}`;
}
