import { afterEach, expect, test } from "bun:test";
import { cleanupInstances, eventually, instanceDir } from "../helpers/daemon-instance.ts";
import {
  entryOf,
  metric,
  peer,
  rawSession,
  registeredDevice,
  scrape,
  sendTexts,
  startMessagingInstance,
} from "../helpers/messaging-peers.ts";
import { hasTool } from "../helpers/tools.ts";

afterEach(cleanupInstances);

const promtool = hasTool(
  "promtool",
  "promtool check metrics of /metrics with messaging (messaging-metrics.test.ts)",
);

async function promtoolProblems(text: string): Promise<{ exitCode: number; problems: string }> {
  const child = Bun.spawn(["promtool", "check", "metrics"], {
    stdin: new TextEncoder().encode(text),
    stdout: "pipe",
    stderr: "pipe",
  });
  const problems = (await new Response(child.stdout).text()) + (await new Response(child.stderr).text());
  return { exitCode: await child.exited, problems };
}

const sessionLines = (log: Record<string, unknown>[], message: string, device: string) =>
  log.filter((line) => line.message === message && line.device === device);

test("/metrics counts messages accepted, delivered, acked, refused by code, sessions and delivery latency; sessions are logged", async () => {
  const instance = await startMessagingInstance(instanceDir("norc-msg-metrics-"), {
    limits: { messages_per_minute: 1, messages_burst: 5 },
  });
  const aliceKeys = await registeredDevice(instance.server, "alice");
  const bobKeys = await registeredDevice(instance.server, "bob");
  const alice = peer(instance.server, aliceKeys);
  const bob = peer(instance.server, bobKeys);
  try {
    await Promise.all([alice.client.start(), bob.client.start()]);
    const toBob = await entryOf(alice.client, bobKeys);
    // burst 5: five are accepted, the sixth is refused with 502 limit=messages (retried after 60 s)
    const sent = sendTexts(alice, toBob, "hello", 6);
    sent[5]?.accepted.catch(() => {}); // still waiting for its retry when the client closes
    await Promise.all(sent.slice(0, 5).map((message) => message.accepted));
    expect(await eventually(() => bob.messages.length === 5 && alice.receipts.length === 5, 10_000)).toBe(
      true,
    );
    const text = await scrape(instance.metricsPort);
    expect(metric(text, "norc_messages_accepted_total")).toBe(5);
    expect(metric(text, "norc_messages_resent_total")).toBe(0);
    expect(metric(text, "norc_messages_delivered_total")).toBe(5);
    expect(metric(text, "norc_messages_acked_total")).toBe(5);
    expect(metric(text, "norc_receipts_delivered_total")).toBe(5);
    expect(metric(text, "norc_messages_expired_total")).toBe(0);
    expect(
      metric(text, 'norc_requests_refused_total{request="send",code="502",name="RESOURCE_EXHAUSTED"}'),
    ).toBe(1);
    expect(metric(text, "norc_sessions_authenticated")).toBe(2);
    expect(metric(text, "norc_delivery_latency_seconds_count")).toBe(5);
    expect(metric(text, 'norc_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(5);
    // pushed live: each within a second of its commit, so well under the 60 s bucket
    expect(metric(text, 'norc_delivery_latency_seconds_bucket{le="60"}')).toBe(5);
    expect(metric(text, "norc_queue_entries")).toBeDefined();
    if (promtool) expect(await promtoolProblems(text)).toEqual({ exitCode: 0, problems: "" });
  } finally {
    alice.client.close();
    bob.client.close();
  }

  // one start and one end line per session: alice's closed session, then two raw sessions of hers
  const aliceHex = Buffer.from(aliceKeys.deviceId).toString("hex");
  expect(
    await eventually(() => sessionLines(instance.log(), "NCP-1 session ended", aliceHex).length === 1, 5_000),
  ).toBe(true);
  const first = await rawSession(instance.server, aliceKeys);
  const second = await rawSession(instance.server, aliceKeys);
  try {
    expect(await eventually(() => first.closedBy()?.code === 203, 5_000)).toBe(true);
    expect(
      await eventually(
        () => sessionLines(instance.log(), "NCP-1 session ended", aliceHex).length === 2,
        5_000,
      ),
    ).toBe(true);
  } finally {
    first.session.close();
    second.session.close();
  }
  const starts = sessionLines(instance.log(), "NCP-1 session started", aliceHex);
  const ends = sessionLines(instance.log(), "NCP-1 session ended", aliceHex);
  expect(starts.map((line) => [line.trigger, line.previous === "none" ? "none" : "a session"])).toEqual([
    ["first", "none"],
    ["reconnect", "a session"],
    ["supersede", "a session"],
  ]);
  expect(starts[1]?.previous).toBe(starts[0]?.session);
  expect(starts[2]?.previous).toBe(starts[1]?.session);
  expect(starts[0]).toMatchObject({ level: "INFO", queued: 0 });
  expect(String(starts[0]?.algset)).toContain("PAD-PROFILE");
  expect(ends.slice(0, 2).map((line) => [line.session, line.trigger, line.code])).toEqual([
    [starts[0]?.session, "connection_closed", undefined],
    [starts[1]?.session, "superseded", 203],
  ]);
  expect(Number(ends[0]?.messages)).toBe(6 + 0);
}, 60_000);
