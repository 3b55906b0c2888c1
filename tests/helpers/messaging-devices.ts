import { afterAll, beforeAll, expect } from "bun:test";
import { tempDir } from "./binary.ts";
import { Agent, type Answer, type AuthResult, type WireError } from "./independent-agent.ts";
import { MessagingServer } from "./messaging-server.ts";

/**
 * Devices of the independent client for one test file, all stopped in its afterAll, and the ways
 * the e2e messaging tests bring them on a server: registered over 0x02, added by the operator, offline.
 */
export class Devices {
  private readonly agents: Agent[] = [];

  constructor() {
    afterAll(() => this.stopAll());
  }

  /** A new device process (random key, or `seed` to be the same device as another agent). */
  async agent(name: string, seed?: string): Promise<Agent> {
    const made = await Agent.start(name, seed);
    this.agents.push(made);
    return made;
  }

  /** KEYED only: handshake done, nothing else (`seed`: the device of another agent). */
  async keyed(server: MessagingServer, name = "keyed", seed?: string): Promise<Agent> {
    const made = await this.agent(name, seed);
    await made.connect(server.port);
    return made;
  }

  /** A device of `user` registered over 0x02 (status 0) and authenticated. */
  async online(server: MessagingServer, user: string, name = user): Promise<Agent> {
    const made = await this.keyed(server, name);
    expect((await made.call<Answer>("register", { user })).status).toBe(0);
    expect((await made.call<AuthResult>("auth")).error).toBeUndefined();
    return made;
  }

  /** A device the operator added with `device add` (on the running server), authenticated. */
  async added(server: MessagingServer, user: string): Promise<Agent> {
    const made = await this.agent(user);
    const result = await server.cli("device", "add", "--public-key", made.publicKey, "--user", user);
    expect(result.exitCode).toBe(0);
    await made.online(server.port);
    return made;
  }

  /** Registered (so it exists) and then offline. */
  async offline(server: MessagingServer, user: string): Promise<Agent> {
    const made = await this.online(server, user);
    await made.call("close");
    await made.closed();
    return made;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.agents.splice(0).map((a) => a.stop()));
  }
}

/**
 * A compiled server of its own (config `extra`, registration `policy`), started in the enclosing
 * describe's (or file's) beforeAll and killed with its directory in afterAll.
 */
export function serverWith(extra = "", policy = "open"): () => MessagingServer {
  let server: MessagingServer | undefined;
  const dir = tempDir("norc-messaging-");
  beforeAll(async () => {
    server = await MessagingServer.start(dir.path, extra, policy);
  });
  afterAll(async () => {
    await server?.kill();
    dir.cleanup();
  });
  return () => server as MessagingServer;
}

/** A 0x10 of `text` from `from` to `to`, expecting status 0; its message_id. */
export async function sent(from: Agent, to: Agent, text: string): Promise<string> {
  const answer = await from.call<Answer>("send", { to: to.deviceId, text });
  expect(answer.status).toBe(0);
  return answer.message_id;
}

/** Sends `cmd` expecting an error; the error (its `ref` checked: the frame's message_id). */
export async function refused(from: Agent, cmd: string, args: Record<string, unknown>): Promise<WireError> {
  const answer = await from.call<Answer>(cmd, args);
  expect(answer.error).toBeDefined();
  expect(answer.error?.details.ref).toBe(answer.message_id);
  return answer.error as WireError;
}

/** A frame with no reply (`raw`, `presence`, `ack`): the error event answering it, with its ref. */
export async function refusedEvent(from: Agent, cmd: string, args: Record<string, unknown>) {
  const made = await from.call<{ message_id: string }>(cmd, args);
  return from.errorFor(made.message_id);
}
