import { resolve } from "node:path";
import type { Subprocess } from "bun";

const AGENT = resolve(import.meta.dir, "../fixtures/independent-client/agent.mjs");

/** An event the independent client printed (`event` names it; the other fields depend on it). */
export type AgentEvent = { event: string } & Record<string, unknown>;

/** A server error as the independent client saw it. */
export interface WireError {
  code: number;
  message: string;
  retry_after: number;
  details: Record<string, string>;
}

/**
 * One device of the independent NCP-1 client (tests/fixtures/independent-client, plain Node.js,
 * nothing of src/), driven over JSON lines. Events (messages, receipts, presence, errors, closes)
 * are collected in arrival order.
 */
export class Agent {
  readonly events: AgentEvent[] = [];
  private readonly answers = new Map<
    number,
    (line: { ok: boolean; result?: unknown; error?: string }) => void
  >();
  private nextId = 1;
  private readonly wakers = new Set<() => void>();
  private stderr = "";

  private constructor(
    readonly name: string,
    private readonly child: Subprocess<"pipe", "pipe", "pipe">,
    public deviceId = "",
    public publicKey = "",
  ) {
    void this.pump();
    void (async () => {
      for await (const chunk of child.stderr) this.stderr += new TextDecoder().decode(chunk);
    })();
  }

  /** Starts `node agent.mjs` for a device with `seedHex` (random when absent). */
  static async start(name: string, seedHex?: string): Promise<Agent> {
    const child = Bun.spawn(["node", AGENT, ...(seedHex ? [seedHex] : [])], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const agent = new Agent(name, child);
    const identity = await agent.call<{ device_id: string; public_key: string }>("identity");
    agent.deviceId = identity.device_id;
    agent.publicKey = identity.public_key;
    return agent;
  }

  private async pump(): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of this.child.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        this.onLine(JSON.parse(buffered.slice(0, newline)));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
      }
    }
    for (const answer of this.answers.values()) answer({ ok: false, error: `agent exited: ${this.stderr}` });
  }

  private onLine(line: Record<string, unknown>): void {
    if (typeof line.event === "string") {
      this.events.push(line as AgentEvent);
      for (const wake of this.wakers) wake();
      return;
    }
    const answer = this.answers.get(line.id as number);
    this.answers.delete(line.id as number);
    answer?.(line as { ok: boolean; result?: unknown; error?: string });
  }

  /** Runs one command; rejects when the client itself failed (not when the server answered an error). */
  call<T = Record<string, unknown>>(
    cmd: string,
    args: Record<string, unknown> = {},
    timeoutMs = 20_000,
  ): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: ${cmd} timed out`)), timeoutMs);
      this.answers.set(id, (line) => {
        clearTimeout(timer);
        if (line.ok) resolvePromise(line.result as T);
        else reject(new Error(`${this.name}: ${cmd} failed: ${line.error}`));
      });
      this.child.stdin.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
      this.child.stdin.flush();
    });
  }

  /** Events of kind `event` (matching `where`) so far. */
  seen(event: string, where: (e: AgentEvent) => boolean = () => true): AgentEvent[] {
    return this.events.filter((e) => e.event === event && where(e));
  }

  /** Resolves once `count` events of kind `event` matching `where` have arrived; rejects after `timeoutMs`. */
  async waitFor(
    event: string,
    where: (e: AgentEvent) => boolean = () => true,
    count = 1,
    timeoutMs = 10_000,
  ): Promise<AgentEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.seen(event, where);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `${this.name}: ${found.length}/${count} "${event}" events; got:\n${this.events.map((e) => JSON.stringify(e)).join("\n")}`,
        );
      }
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.min(left, 200));
        const done = () => {
          clearTimeout(timer);
          this.wakers.delete(done);
          wake();
        };
        this.wakers.add(done);
      });
    }
  }

  /** The error event answering frame `ref` (waits for it). */
  async errorFor(ref: string, timeoutMs = 10_000): Promise<WireError & AgentEvent> {
    const [error] = await this.waitFor(
      "error",
      (e) => (e.details as Record<string, string>)?.ref === ref,
      1,
      timeoutMs,
    );
    return error as WireError & AgentEvent;
  }

  /** The number of the latest connection (events carry it as `connection`). */
  connection = 0;

  /** Handshake with 127.0.0.1:`port` (TOFU); later events of this connection carry `connection`. */
  async connect(port: number): Promise<{ connection: number; fingerprint?: string; refused?: WireError }> {
    const made = await this.call<{ connection: number; fingerprint?: string; refused?: WireError }>(
      "connect",
      {
        port,
      },
    );
    this.connection = made.connection;
    return made;
  }

  /** Resolves when connection `connection` (default: the latest) has closed. */
  async closed(connection = this.connection, timeoutMs = 10_000): Promise<void> {
    await this.waitFor("closed", (e) => e.connection === connection, 1, timeoutMs);
  }

  /** True when the latest connection still answers a time sync. */
  async isOpen(): Promise<boolean> {
    const reply = await this.call<{ closed?: boolean; verified?: boolean }>("timesync");
    return reply.verified === true;
  }

  /** Connects to the server at 127.0.0.1:`port` (TOFU) and authenticates; returns the 0x04 fields. */
  async online(port: number): Promise<AuthResult> {
    await this.connect(port);
    const auth = await this.call<AuthResult>("auth");
    if (auth.error !== undefined) throw new Error(`${this.name}: auth refused ${JSON.stringify(auth.error)}`);
    return auth;
  }

  /** Stops the process. */
  async stop(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.child.exited;
  }
}

/** The 0x04 fields, or the error that answered the 0x03. */
export interface AuthResult {
  session_id: string;
  expires_at: number;
  server_time: number;
  message_limit: number;
  queued: number;
  error?: WireError;
}

/** A request's answer: the server's reply fields, or `error`, `closed` or `timeout`. */
export interface Answer {
  message_id: string;
  status?: number;
  error?: WireError;
  closed?: boolean;
  timeout?: boolean;
  entries?: DirectoryEntry[];
}

/** One 0x31 entry as the independent client decoded it. */
export interface DirectoryEntry {
  deviceId: string;
  userId: string;
  publicKey: string;
  state: number;
  registeredAtMs: number;
  capabilities: number;
  presence: number;
}
