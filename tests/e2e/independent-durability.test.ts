import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { tempDir } from "../helpers/binary.ts";
import { Agent, type Answer } from "../helpers/independent-agent.ts";
import { MessagingServer } from "../helpers/messaging-server.ts";

/**
 * Issue 11 "Nothing acknowledged is lost across kill -9": three independent clients pipeline sends
 * to an offline device; the server is killed with SIGKILL mid-storm. After a restart the recipient
 * receives every message whose status 0 reached a sender (and nothing that was never sent).
 */
setDefaultTimeout(60_000);
const dir = tempDir("norc-durability-");
const agents: Agent[] = [];
let server: MessagingServer | undefined;

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await server?.kill();
  dir.cleanup();
});

async function device(name: string): Promise<Agent> {
  const made = await Agent.start(name);
  agents.push(made);
  await made.connect((server as MessagingServer).port);
  expect((await made.call<Answer>("register", { user: name })).status).toBe(0);
  await made.call("auth");
  return made;
}

test("kill -9 during a send storm from three clients: every status-0 ack is delivered after the restart", async () => {
  server = await MessagingServer.start(
    dir.path,
    "[limits]\nregistrations_burst = 10\nmessages_burst = 10000\nmessages_per_minute = 60000\n",
  );
  const recipient = await device("recipient");
  await recipient.call("close");
  const senders = await Promise.all(["s1", "s2", "s3"].map(device));
  for (const sender of senders) await sender.call("lookup", { deviceIds: [recipient.deviceId] });
  const perSender = 200;
  const acked = new Set<string>();
  const attempted = new Set<string>();
  let killed: Promise<void> | undefined;
  // Each sender keeps WINDOW sends in flight and stops sending once the kill is under way, so the
  // kill lands mid-storm however fast the server answers (all 600 at once could all be answered first).
  const WINDOW = 8;
  const sendOne = (sender: Agent, i: number) =>
    sender
      .call<Answer>("send", { to: recipient.deviceId, text: `${sender.name} #${i}`, timeoutMs: 15_000 })
      .then((answer) => {
        attempted.add(answer.message_id);
        if (answer.status === 0) acked.add(answer.message_id);
        if (acked.size >= 150 && killed === undefined) killed = server?.stop("SIGKILL");
      });
  const storm = senders.flatMap((sender) =>
    Array.from({ length: WINDOW }, async (_, lane) => {
      for (let i = lane; i < perSender && killed === undefined; i += WINDOW) await sendOne(sender, i);
    }),
  );
  await Promise.all(storm);
  await killed;
  expect(acked.size).toBeGreaterThanOrEqual(150);
  expect(acked.size).toBeLessThan(3 * perSender);
  await server.run();
  const auth = await recipient.online(server.port);
  expect(auth.queued).toBeGreaterThanOrEqual(acked.size);
  await recipient.waitFor("acked", () => true, auth.queued, 30_000);
  expect(recipient.seen("rejected")).toEqual([]);
  const delivered = recipient.seen("message");
  const ids = delivered.map((m) => m.message_id as string);
  console.log(
    `storm: ${attempted.size} sent, ${acked.size} acked (status 0), ${ids.length} delivered after kill -9`,
  );
  expect([...acked].filter((id) => !ids.includes(id))).toEqual([]);
  expect(ids.filter((id) => !attempted.has(id))).toEqual([]);
  expect(new Set(ids).size).toBe(ids.length);
  for (const sender of senders) {
    const texts = delivered
      .filter((m) => m.sender === sender.deviceId)
      .map((m) => Number(String(m.text).split("#")[1]));
    expect(texts).toEqual([...texts].sort((a, b) => a - b));
  }
});
