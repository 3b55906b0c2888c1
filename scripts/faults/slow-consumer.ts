/**
 * Fault scenario "slow consumer" (issue 14, NCP-1 §7.3): recipients that never read. A quiet one
 * (its queue filled, nothing read) must be cut at write_stall_timeout; a loud one (it keeps sending
 * 0x33s and reads no reply) at outbound_max_frames/bytes. Both queues are kept: every message
 * acknowledged to them arrives on their next session. Meanwhile paired devices measure their
 * delivery latency from a process of their own, without and with each slow consumer (p99 must stay
 * within 2x the p99 without + 250 ms, as the machine is shared; the load of filling the queue is shown apart).
 *   bun scripts/faults/slow-consumer.ts [MESSAGES=400] [PAYLOAD_BYTES=262144] [STALL_SECS=6] [PAIRS=4]
 */
import { FaultClient, type Reply } from "./fault-client.ts";
import { FaultServer, latencyText, OPEN_LIMITS, p99Kept, verdict } from "./fault-server.ts";
import { startLatencyProbe } from "./latency-probe.ts";

const messages = Number(process.argv[2] ?? 400);
const payloadBytes = Number(process.argv[3] ?? 262_144);
const stallSecs = Number(process.argv[4] ?? 6);
const pairs = Number(process.argv[5] ?? 4);

// time_sync keeps its default bucket (burst 10): the loud consumer's surplus 0x33s get 502s.
const server = await FaultServer.start({
  extra: `[queue]\nwrite_stall_timeout_secs = ${stallSecs}\n`,
  limits: OPEN_LIMITS.replace(/time_sync.*\n/g, ""),
});
const target = server.target;
let met = true;

const cutLines = (port: number) =>
  server
    .output()
    .split("\n")
    .filter((l) => l.includes(`:${port}:`) && /write_stall|outbound_max/.test(l));

async function waitFor(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check() && performance.now() - started < timeoutMs) await Bun.sleep(50);
  return performance.now() - started;
}

try {
  const probe = await startLatencyProbe(server.port, pairs, 20);
  const t0 = Date.now();
  await Bun.sleep(Math.max(3_000, stallSecs * 500));
  const t1 = Date.now();

  // The quiet slow consumer's queue is filled while it is offline; then it connects and never reads.
  const quietSeed = crypto.getRandomValues(new Uint8Array(32));
  const first = await FaultClient.online(target, "quiet", quietSeed);
  first.close();
  const quietId = first.deviceId;
  const sender = await FaultClient.online(target, "sender");
  const replies: Promise<Reply>[] = [];
  const ids: string[] = [];
  for (let i = 0; i < messages; i++) {
    const { id, reply } = sender.sendMessage(quietId, payloadBytes);
    ids.push(id);
    replies.push(reply);
    if (i % 64 === 63) await replies[i - 32];
  }
  const answers = await Promise.all(replies);
  const accepted = ids.filter(
    (_, i) => answers[i]?.kind === "ack" && (answers[i] as { status: number }).status === 0,
  );
  const t2 = Date.now();
  await Bun.sleep(1_000);
  const t3 = Date.now();
  const quiet = await FaultClient.connect(target, quietSeed);
  quiet.autoAck = false;
  await quiet.syncClock();
  await quiet.authenticate();
  quiet.pause();
  const pausedAt = performance.now();

  await waitFor(() => cutLines(quiet.localPort).length > 0, stallSecs * 1000 + 10_000);
  const quietCutMs = performance.now() - pausedAt;
  const t4 = Date.now();
  const quietCut = cutLines(quiet.localPort)[0] ?? "";
  quiet.close();

  // The loud slow consumer: sends 0x33s and never reads a reply.
  const loud = await FaultClient.online(target, "loud");
  loud.pause();
  let pings = 0;
  while (cutLines(loud.localPort).length === 0 && pings < 400_000) {
    for (let i = 0; i < 100; i++) loud.sendPing();
    pings += 100;
    await Bun.sleep(20);
  }
  const loudCut = cutLines(loud.localPort)[0] ?? "";

  const t5 = Date.now();
  loud.close();

  // The quiet device's next session: every accepted message must arrive.
  const again = await FaultClient.online(target, "quiet", quietSeed);
  const drainMs = await waitFor(() => accepted.every((id) => again.delivered.has(id)), 60_000);
  const missing = accepted.filter((id) => !again.delivered.has(id)).length;
  const [without, filling] = [probe.between(t0, t1), probe.between(t1, t2)];
  const [withQuiet, withLoud] = [probe.between(t3, t4), probe.between(t4, t5)];
  const probeFailures = probe.failures();
  await probe.stop();

  console.log(
    `slow consumer: ${messages} x ${payloadBytes} B to a device that never reads, stall ${stallSecs} s`,
  );
  console.log(
    `  sent ${messages}, acked ${accepted.length}, delivered on the next session ${again.delivered.size}, missing ${missing} (drained in ${(drainMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `  quiet consumer cut ${(quietCutMs / 1000).toFixed(1)} s after it authenticated and stopped reading: ${quietCut.replace(/^.*closing/, "closing")}`,
  );
  console.log(`  loud consumer cut after ${pings} unread 0x33s: ${loudCut.replace(/^.*closing/, "closing")}`);
  console.log(`  other sessions' delivery latency without: ${latencyText(without)}`);
  console.log(
    `  other sessions' delivery latency while the queue was filled (sender load): ${latencyText(filling)}`,
  );
  console.log(`  other sessions' delivery latency with the quiet one: ${latencyText(withQuiet)}`);
  console.log(`  other sessions' delivery latency with the loud one: ${latencyText(withLoud)}`);
  console.log(`  server RSS ${(server.rssKb() / 1024).toFixed(0)} MiB, alive ${server.alive}`);
  met =
    verdict(
      "quiet consumer cut at write_stall_timeout",
      quietCut !== "" && quietCutMs >= stallSecs * 1000 && quietCutMs < (stallSecs + 5) * 1000,
    ) && met;
  met = verdict("loud consumer cut at outbound_max_frames/bytes", /outbound_max/.test(loudCut)) && met;
  met = verdict("its queue kept (missing 0)", missing === 0 && accepted.length === messages) && met;
  for (const [name, values] of [
    ["quiet", withQuiet],
    ["loud", withLoud],
  ] as const) {
    met =
      verdict(`others' p99 with the ${name} one kept (<= 2x without + 250 ms)`, p99Kept(without, values)) &&
      met;
  }
  met =
    verdict(
      "others' sessions all kept, every probe message acked",
      probeFailures.length === 0,
      probeFailures.slice(0, 3).join(" | "),
    ) && met;
  met =
    verdict(
      "server alive, no ERROR logged",
      server.alive && server.errorLines().length === 0,
      server.errorLines().slice(0, 3).join(" | "),
    ) && met;
} catch (error) {
  console.log(`slow consumer: failed: ${error instanceof Error ? error.stack : String(error)}`);
  met = false;
} finally {
  await server.kill();
}
process.exit(met ? 0 : 1);
