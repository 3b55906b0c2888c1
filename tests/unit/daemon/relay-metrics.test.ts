import { describe, expect, test } from "bun:test";
import { RelayMetrics } from "../../../src/daemon/relay-metrics.ts";
import { hasTool } from "../../helpers/tools.ts";
import { FakeSession } from "../relay/fake-session.ts";
import { ackRequest, addDevice, devOf, NOW, newRelay, refusal, sendRequest } from "../relay/relay-helpers.ts";

const promtool = hasTool("promtool", "promtool check metrics of the relay families (relay-metrics.test.ts)");

/** The value of the sample line `name{labels}`, or undefined. */
function sample(text: string, name: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("RelayMetrics", () => {
  test("accepted, resent, delivered, acked, refused by request and code, sessions, latency histogram", async () => {
    const { relay, store, setClock } = newRelay();
    const metrics = new RelayMetrics(relay);
    await addDevice(store, 1, "alice");
    await addDevice(store, 2, "bob");
    const message = sendRequest(1, 2);
    await relay.send(message);
    await relay.send({ ...message });
    await refusal(relay.send(sendRequest(1, 9)));
    await refusal(relay.send(sendRequest(2, 1, { verifySignature: () => false })));
    await refusal(relay.ack(ackRequest(2, 1, message.messageId, { status: 7 })));
    setClock(NOW + 30);
    const session = new FakeSession(devOf(2));
    const { cursor } = relay.attach(session);
    await cursor.drain(() => true);
    await relay.ack(ackRequest(2, 1, message.messageId));
    await cursor.drain(() => true);

    const text = metrics.render();
    expect(sample(text, "norc_messages_accepted_total")).toBe(1);
    expect(sample(text, "norc_messages_resent_total")).toBe(1);
    expect(sample(text, "norc_messages_delivered_total")).toBe(1);
    expect(sample(text, "norc_messages_acked_total")).toBe(1);
    expect(sample(text, "norc_messages_expired_total")).toBe(0);
    expect(
      sample(text, 'norc_requests_refused_total{request="send",code="400",name="DESTINATION_UNREACHABLE"}'),
    ).toBe(1);
    expect(
      sample(text, 'norc_requests_refused_total{request="send",code="200",name="AUTHENTICATION_FAILED"}'),
    ).toBe(1);
    expect(
      sample(text, 'norc_requests_refused_total{request="ack",code="101",name="MESSAGE_FORMAT_ERROR"}'),
    ).toBe(1);
    expect(sample(text, "norc_sessions_authenticated")).toBe(1);
    // one message pushed 30 ms after its acceptance; the receipt of the ack is not a message
    expect(sample(text, 'norc_delivery_latency_seconds_bucket{le="0.025"}')).toBe(0);
    expect(sample(text, 'norc_delivery_latency_seconds_bucket{le="0.05"}')).toBe(1);
    expect(sample(text, 'norc_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(1);
    expect(sample(text, "norc_delivery_latency_seconds_sum")).toBeCloseTo(0.03, 10);
    expect(sample(text, "norc_delivery_latency_seconds_count")).toBe(1);

    await relay.detach(session, NOW + 40);
    expect(sample(metrics.render(), "norc_sessions_authenticated")).toBe(0);
  });

  test.if(promtool)("the families pass promtool check metrics", async () => {
    const { relay, store } = newRelay();
    const metrics = new RelayMetrics(relay);
    await addDevice(store, 1);
    await refusal(relay.send(sendRequest(1, 9)));
    const child = Bun.spawn(["promtool", "check", "metrics"], {
      stdin: new TextEncoder().encode(`${metrics.render()}\n`),
      stdout: "pipe",
      stderr: "pipe",
    });
    const problems = (await new Response(child.stdout).text()) + (await new Response(child.stderr).text());
    expect({ exitCode: await child.exited, problems }).toEqual({ exitCode: 0, problems: "" });
  });
});
