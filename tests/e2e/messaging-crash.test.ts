import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { DeviceKeys } from "../../src/client/device-messaging.ts";
import type { OutgoingMessage } from "../../src/client/messaging-client.ts";
import type { DirectoryEntry } from "../../src/protocol/directory.ts";
import {
  cleanupInstances,
  cli,
  eventually,
  instanceDir,
  instanceProcesses,
  isRunning,
} from "../helpers/daemon-instance.ts";
import {
  CONVERSATION,
  entryOf,
  type MessagingInstance,
  type Peer,
  peer,
  registeredDevice,
  startMessagingInstance,
  textContent,
} from "../helpers/messaging-peers.ts";

afterEach(cleanupInstances);

/**
 * NCP-1 §8.2 across kill -9: "An acknowledged entry MUST survive a crash or restart" and "Nothing
 * is delivered before it is committed". Senders keep sending through the crash (their clients
 * resend what was not yet answered, with the same message_id); afterwards every status 0 they got
 * is among the messages delivered, and every message delivered before the kill has the seen record
 * of its commit dated before the kill (a message pushed before its commit and then lost would
 * only be stored again by the resend after the restart, dated after it).
 */
const SENDERS = 3;
const PER_RECIPIENT = 100;
const STORM_LIMITS = { messages_per_minute: 600_000, messages_burst: 100_000 };

/** Accepted message ids (hex) and when each status 0 arrived. */
interface Storm {
  sent: Map<string, OutgoingMessage>;
  acceptedAtMs: Map<string, number>;
  done: Promise<void>;
}

/** Each sender sends `PER_RECIPIENT` texts to each recipient, a few at a time, while the test goes on. */
function storm(senders: Peer[], recipients: DirectoryEntry[]): Storm {
  const sent = new Map<string, OutgoingMessage>();
  const acceptedAtMs = new Map<string, number>();
  const run = async (sender: Peer, index: number) => {
    for (let i = 0; i < PER_RECIPIENT; i++) {
      for (const to of recipients) {
        const message = sender.client.send(to, textContent(`s${index} #${i}`), CONVERSATION);
        sent.set(message.messageId, message);
        message.accepted.then(
          () => acceptedAtMs.set(message.messageId, Date.now()),
          () => {},
        );
      }
      await Bun.sleep(10);
    }
  };
  return { sent, acceptedAtMs, done: Promise.all(senders.map(run)).then(() => {}) };
}

/** message id (hex) -> at_ms of its seen record, read from the stopped instance's database. */
function seenRecords(dir: string): Map<string, number> {
  const db = new Database(join(dir, "data/norc.db"), { readonly: true });
  try {
    const rows = db.query("SELECT message_id, at_ms FROM seen").all() as {
      message_id: Uint8Array;
      at_ms: number;
    }[];
    return new Map(rows.map((row) => [Buffer.from(row.message_id).toString("hex"), row.at_ms]));
  } finally {
    db.close();
  }
}

/** SIGKILLs `pids` and waits until none runs. */
async function killNine(pids: number[]): Promise<void> {
  for (const pid of pids) process.kill(pid, "SIGKILL");
  expect(await eventually(() => pids.every((pid) => !isRunning(pid)), 10_000)).toBe(true);
}

/** A started client of `keys` once the server accepts it again (a client whose start() failed stays stopped). */
async function startWhenUp(server: MessagingInstance["server"], keys: DeviceKeys): Promise<Peer> {
  for (const deadline = Date.now() + 30_000; ; ) {
    const started = peer(server, keys);
    if (
      await started.client.start().then(
        () => true,
        () => false,
      )
    )
      return started;
    started.client.close();
    if (Date.now() > deadline) throw new Error("the server did not come back within 30 s");
    await Bun.sleep(100);
  }
}

interface Setup {
  instance: MessagingInstance;
  senders: Peer[];
  /** bob: online through the storm, pushed to live. */
  online: Peer;
  /** carol: offline until after the crash, everything queued for her. */
  offlineKeys: DeviceKeys;
  entries: DirectoryEntry[];
}

async function setUp(prefix: string, daemon: Record<string, unknown>): Promise<Setup> {
  const instance = await startMessagingInstance(instanceDir(prefix), { limits: STORM_LIMITS, daemon });
  const users = [...Array.from({ length: SENDERS }, (_, i) => `sender${i}`), "bob", "carol"];
  const keys = await Promise.all(users.map((user) => registeredDevice(instance.server, user)));
  const senders = keys.slice(0, SENDERS).map((k) => peer(instance.server, k));
  const online = peer(instance.server, keys[SENDERS] as DeviceKeys);
  const offlineKeys = keys[SENDERS + 1] as DeviceKeys;
  await Promise.all([...senders, online].map((p) => p.client.start()));
  const first = (senders[0] as Peer).client;
  const entries = [await entryOf(first, online.keys), await entryOf(first, offlineKeys)];
  return { instance, senders, online, offlineKeys, entries };
}

/** Runs the storm, kills the server with `kill` once a third has been delivered, and checks §8.2. */
async function crashDuringStorm(setup: Setup, kill: () => Promise<void>): Promise<void> {
  const { instance, senders, online, entries } = setup;
  const total = SENDERS * PER_RECIPIENT * entries.length;
  const storming = storm(senders, entries);
  let late: Peer | undefined;
  try {
    expect(await eventually(() => online.messages.length >= (SENDERS * PER_RECIPIENT) / 3, 30_000)).toBe(
      true,
    );
    const killAtMs = Date.now();
    const deliveredBeforeKill = new Set(online.messages.map((m) => m.messageId));
    const acceptedBeforeKill = storming.acceptedAtMs.size;
    await kill();
    await storming.done;
    late = await startWhenUp(instance.server, setup.offlineKeys);
    const offline = late;
    expect(await eventually(() => storming.acceptedAtMs.size === total, 60_000)).toBe(true);
    const received = () => [...online.messages, ...offline.messages];
    const delivered = () => new Set(received().map((m) => m.messageId));
    const allDelivered = await eventually(() => delivered().size === total, 60_000);
    const problems = [...online.problems, ...offline.problems].map(String);
    expect({ allDelivered, problems }).toEqual({ allDelivered: true, problems: [] });

    const got = delivered();
    const missing = [...storming.acceptedAtMs.keys()].filter((id) => !got.has(id));
    const strangers = [...got].filter((id) => !storming.sent.has(id));
    expect({ missing, strangers, shownTwice: received().length - got.size }).toEqual({
      missing: [],
      strangers: [],
      shownTwice: 0,
    });
    console.log(
      `kill -9 during a storm of ${total} messages: ${acceptedBeforeKill} status 0 and ${deliveredBeforeKill.size} ` +
        `deliveries before the kill, ${total - acceptedBeforeKill} status 0 and ${total - deliveredBeforeKill.size} ` +
        "deliveries after it; none missing",
    );
    expect((await cli(instance.dir, "stop")).exitCode).toBe(0);
    const seen = seenRecords(instance.dir);
    const committedBefore = (id: string) => (seen.get(id) ?? Number.POSITIVE_INFINITY) < killAtMs;
    expect([...deliveredBeforeKill].filter((id) => !committedBefore(id))).toEqual([]);
    expect([...got].filter((id) => !seen.has(id))).toEqual([]);
  } finally {
    for (const p of [...senders, online, ...(late ? [late] : [])]) p.client.close();
    await storming.done;
  }
}

/** SIGKILLs every process of the instance (the top process, and its worker when supervised), then starts it again. */
async function killAllAndStart(dir: string, processes: number): Promise<void> {
  const pids = instanceProcesses(dir);
  expect(pids).toHaveLength(processes);
  await killNine(pids);
  expect((await cli(dir, "start", "-d")).exitCode).toBe(0);
}

describe("kill -9 during a send storm (NCP-1 §8.2)", () => {
  test("the server process killed, started again: every status 0 delivered, nothing before its commit", async () => {
    const setup = await setUp("norc-crash-all-", { auto_restart: false });
    await crashDuringStorm(setup, () => killAllAndStart(setup.instance.dir, 1));
  }, 150_000);

  test("auto_restart: the top process and its worker killed, started again", async () => {
    const setup = await setUp("norc-crash-both-", { auto_restart: true, restart_cooldown_secs: 1 });
    await crashDuringStorm(setup, () => killAllAndStart(setup.instance.dir, 2));
  }, 150_000);

  test("auto_restart: only the worker killed, restarted by the supervisor", async () => {
    const setup = await setUp("norc-crash-worker-", { auto_restart: true, restart_cooldown_secs: 1 });
    const dir = setup.instance.dir;
    const before = JSON.parse((await cli(dir, "status", "--json")).stdout);
    await crashDuringStorm(setup, async () => {
      await killNine([before.worker_pid]);
      const after = async () => {
        const now = JSON.parse((await cli(dir, "status", "--json")).stdout);
        return (
          now.pid === before.pid && typeof now.worker_pid === "number" && now.worker_pid !== before.worker_pid
        );
      };
      expect(await eventually(after, 15_000)).toBe(true);
    });
  }, 150_000);
});

test("offline delivery across a normal restart: everything in order, and the sender gets the receipts", async () => {
  const instance = await startMessagingInstance(instanceDir("norc-restart-offline-"));
  const aliceKeys = await registeredDevice(instance.server, "alice");
  const bobKeys = await registeredDevice(instance.server, "bob");
  const alice = peer(instance.server, aliceKeys);
  let bob: Peer | undefined;
  try {
    await alice.client.start();
    const toBob = await entryOf(alice.client, bobKeys);
    const sent = Array.from({ length: 20 }, (_, i) =>
      alice.client.send(toBob, textContent(`note ${i}`), CONVERSATION),
    );
    await Promise.all(sent.map((message) => message.accepted));
    expect((await cli(instance.dir, "stop")).exitCode).toBe(0);
    expect((await cli(instance.dir, "start", "-d")).exitCode).toBe(0);
    bob = await startWhenUp(instance.server, bobKeys);
    const got = bob;
    expect(await eventually(() => got.messages.length === 20, 20_000)).toBe(true);
    expect(got.messages.map((m) => new TextDecoder().decode(m.content.body))).toEqual(
      sent.map((_, i) => `note ${i}`),
    );
    expect(got.messages.map((m) => m.messageId)).toEqual(sent.map((m) => m.messageId));
    // alice's session ended with the stop (501, retry_after 5): she reconnects and gets bob's receipts
    expect(await eventually(() => alice.receipts.length === 20, 30_000)).toBe(true);
    const bobHex = Buffer.from(bobKeys.deviceId).toString("hex");
    expect(alice.receipts.map((r) => [r.ref, r.status, r.by])).toEqual(
      sent.map((m) => [m.messageId, 1, bobHex]),
    );
    expect(alice.online).toBe(2);
  } finally {
    alice.client.close();
    bob?.client.close();
  }
}, 60_000);
