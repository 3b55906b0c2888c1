import type { Subprocess } from "bun";
import { BINARY, cleanEnv } from "./binary.ts";

/** A long-running binary (a server) whose output is collected as it comes. */
export interface ServerProcess {
  child: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything written to stdout and stderr so far, interleaved. */
  output: () => string;
  /** Resolves with the first output line matching `pattern`; rejects after `timeoutMs` or on exit. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  /** SIGKILL if still alive; always safe in `finally`. */
  kill: () => Promise<void>;
}

/** Starts the compiled binary (or `command`, e.g. a profiled source run) with `args` in `cwd` and a clean environment. */
export function startServer(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; command?: string[] } = {},
): ServerProcess {
  const child = Bun.spawn([...(options.command ?? [BINARY]), ...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const wake of waiters) wake();
    }
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  void pumped.then(() => {
    for (const wake of waiters) wake();
  });

  const waitFor = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = text.split("\n").find((candidate) => pattern.test(candidate));
        if (line !== undefined) return finish(() => resolve(line));
        if (child.exitCode !== null || child.signalCode !== null) {
          return finish(() =>
            reject(
              new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${text}`),
            ),
          );
        }
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`timed out waiting for ${pattern}:\n${text}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await child.exited;
  };
  return { child, output: () => text, waitFor, kill };
}
