/**
 * Fault scenario "clock steps" (issue 14; NCP-1 §6.1 freshness, §6.3 auth skew, §6.7 time sync,
 * §8.3 TTL, §10 limits): the compiled server runs supervised under libfaketime (LD_PRELOAD with
 * FAKETIME_TIMESTAMP_FILE and FAKETIME_NO_CACHE=1, so the offset of the running processes changes
 * when the file does; FAKETIME_DONT_FAKE_MONOTONIC=1, so only the wall clock moves, as an NTP step
 * or an operator's `date -s` would). Under a send storm (one recipient offline, its queue growing)
 * the server's wall clock is stepped +STEP, back, -STEP, back, CYCLES times, each held HOLD_SECS;
 * then +STEP once more while the offline recipient comes online after a TTL sweep has run, and back.
 * At every step a probe device shows what a client observes: a 0x10 stamped with its old offset
 * (103 once it is off by more than freshness_window, 300 s), a 0x03 without a new sync (103,
 * auth_max_skew 5 s) and with one (authenticated), then a 0x33 re-sync on the same session after
 * which 0x10s are accepted again; five 0x33s in a row answered (the per-session time_sync bucket,
 * 600 per minute, not drained by a step back: 7510655); a pre-auth connection opened before a
 * forward step still closed at hello_timeout, not cut by the step. The storm's clients (the client
 * library syncs only when a session opens) see 103s on their sends after a step; they are made
 * again (a new session syncs) and must flow again. Must show also: 0 acknowledged messages
 * missing; the offline recipient's queue (TTL a few times the run, counted on the steady clock)
 * not mass-expired by the forward step; the step logged at WARN; the server alive, no ERROR.
 *   bun scripts/faults/clock-steps.ts [STEP_SECS=600] [HOLD_SECS=30] [PAIRS=4] [CYCLES=2]
 * (CYCLES=0: only the last +STEP and back, the short version.)
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { MemoryTrustStore } from "../../src/client/trust-store.ts";
import { randomBytes } from "../../src/protocol/bytes.ts";
import { FaultClient, type Reply } from "./fault-client.ts";
import { FaultServer, OPEN_LIMITS, verdict } from "./fault-server.ts";
import { eventually, rssMb, watchUnhandled } from "./lib/instance.ts";
import { formatReport, Storm } from "./lib/storm.ts";
import { abortedBy, printVerdict } from "./lib/verdict.ts";

const stepSecs = Number(process.argv[2] ?? 600);
const holdSecs = Number(process.argv[3] ?? 30);
const pairs = Number(process.argv[4] ?? 4);
const cycles = Number(process.argv[5] ?? 2);
const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
/** hello_timeout: 10 s (the default), shorter for a short run (the pre-auth check waits for it). */
const HELLO_SECS = Math.min(10, holdSecs + 1);
/** The queue TTL: three times the stepping part of the run plus 30 s, so nothing expires on its own. */
const ttlSecs = 3 * (cycles * 4 + 2) * holdSecs + 30;
const sweepSecs = Math.min(60, Math.max(1, Math.floor(ttlSecs / 10)));

const problems: string[] = [];
watchUnhandled(problems);
const startedAt = Date.now();
const fakeFile = `/tmp/norc-clock-steps-${process.pid}`;
/** Sets libfaketime's offset: a new file renamed over the old, so no reader sees it empty (a step to 0 and back). */
function setOffset(secs: number): void {
  writeFileSync(`${fakeFile}.new`, `${secs >= 0 ? "+" : ""}${secs}\n`);
  renameSync(`${fakeFile}.new`, fakeFile);
}
setOffset(0);

const server = await FaultServer.start({
  env: {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME_TIMESTAMP_FILE: fakeFile,
    FAKETIME_NO_CACHE: "1",
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
  },
  daemon: "auto_restart = true\n",
  extra: `[queue]\nttl_days = ${ttlSecs / 86_400}\n\n[session]\nhello_timeout_secs = ${HELLO_SECS}\n`,
  limits: OPEN_LIMITS.replace(/time_sync_per_minute.*\n/, "time_sync_per_minute = 600\n").replace(
    /time_sync_burst.*\n/,
    "time_sync_burst = 20\n",
  ),
});
const target = server.target;

/** The worker (the supervisor's child) and whether libfaketime is mapped into both. */
function processes(): { supervisor: number; worker: number; faked: boolean } {
  const supervisor = server.process?.child.pid ?? 0;
  let worker = 0;
  try {
    worker = Number(
      readFileSync(`/proc/${supervisor}/task/${supervisor}/children`, "utf8").trim().split(" ")[0],
    );
  } catch {
    // gone
  }
  const mapped = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/maps`, "utf8").includes("libfaketime");
    } catch {
      return false;
    }
  };
  return { supervisor, worker, faked: worker > 0 && mapped(supervisor) && mapped(worker) };
}

const describe = (r: Reply) =>
  r.kind === "ack" ? `status ${r.status}` : r.kind === "error" ? `${r.code}` : "closed";

/** A raw connection that sends nothing: ms until the server closes it, and the first byte it sent. */
function silentConnection(): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const opened = performance.now();
    let bytes = 0;
    Bun.connect({
      hostname: "127.0.0.1",
      port: target.port,
      socket: {
        data: (_s, data) => {
          bytes += data.length;
        },
        close: () => resolve({ ms: performance.now() - opened, bytes }),
        error: () => resolve({ ms: performance.now() - opened, bytes }),
      },
    }).catch(reject);
  });
}

const sent = { probe: 0, probeAcked: 0 };
const observed: string[] = [];
let storm: Storm | undefined;
let stormRefusedAfterSteps = 0;
let stepWarnings = 0;
let rssMaxMb = 0;
let fakedOk = false;

try {
  const procs = processes();
  fakedOk = procs.faked;
  if (!procs.faked)
    problems.push(`libfaketime not mapped into supervisor ${procs.supervisor} and worker ${procs.worker}`);
  const probe = await FaultClient.online(target, "clock-probe-sender");
  const probeRecipient = await FaultClient.online(target, "clock-probe-recipient");
  const authSeed = randomBytes(32);
  const authDevice = await FaultClient.connect(target, authSeed);
  await authDevice.syncClock();
  if ((await authDevice.register("clock-probe-auth")).kind !== "ack")
    problems.push("auth probe: register refused");
  authDevice.close();

  storm = await Storm.create(
    { host: "127.0.0.1", port: target.port, trustStore: new MemoryTrustStore() },
    {
      pairs,
      offline: 1,
    },
  );
  storm.start();
  await Bun.sleep(holdSecs * 500);

  const phases: number[] = [];
  for (let c = 0; c < cycles; c++) phases.push(stepSecs, 0, -stepSecs, 0);
  phases.push(stepSecs, 0);
  let offset = 0;
  for (let i = 0; i < phases.length; i++) {
    const next = phases[i] as number;
    const step = next - offset;
    const final = i === phases.length - 2;
    const silent = step > 0 ? silentConnection() : undefined;
    await Bun.sleep(200);
    const stormBefore = { failed: storm.failed, acked: storm.acked.size };
    const sessions = storm.sessions();
    setOffset(next);
    offset = next;
    const label = `step ${step > 0 ? "+" : ""}${step} s (clock at ${next >= 0 ? "+" : ""}${next} s)`;

    // A client still stamping with its old offset.
    const stale = probe.sendMessage(probeRecipient.deviceId);
    sent.probe++;
    const staleReply = await stale.reply;
    const staleExpected = Math.abs(step) > 300 ? "103" : "status 0";
    if (describe(staleReply) === "status 0") sent.probeAcked++;
    if (describe(staleReply) !== staleExpected)
      problems.push(
        `${label}: 0x10 with the old offset got ${describe(staleReply)}, expected ${staleExpected}`,
      );

    // 0x03 without a new sync, then with one (a new connection each).
    const unsynced = await FaultClient.connect(target, authSeed);
    unsynced.offsetMs = probe.offsetMs;
    const unsyncedAuth = await unsynced.authenticate();
    const unsyncedText = "kind" in unsyncedAuth ? describe(unsyncedAuth) : "authenticated";
    unsynced.close();
    const synced = await FaultClient.connect(target, authSeed);
    await synced.syncClock();
    const syncedAuth = await synced.authenticate();
    const syncedText = "kind" in syncedAuth ? describe(syncedAuth) : "authenticated";
    synced.close();
    if (unsyncedText !== (Math.abs(step) > 5 ? "103" : "authenticated"))
      problems.push(`${label}: 0x03 without a sync got ${unsyncedText}`);
    if (syncedText !== "authenticated") problems.push(`${label}: 0x03 after a 0x33 got ${syncedText}`);

    // A 0x33 re-sync on the same session; then 0x10s accepted and delivered.
    const before = probe.offsetMs;
    await probe.syncClock();
    const moved = (probe.offsetMs - before) / 1000;
    if (Math.abs(moved - step) > 2) problems.push(`${label}: the 0x33 offset moved ${moved.toFixed(1)} s`);
    const fresh = Array.from({ length: 5 }, () => probe.sendMessage(probeRecipient.deviceId));
    sent.probe += fresh.length;
    for (const { id, reply } of fresh) {
      const r = await reply;
      if (describe(r) === "status 0") sent.probeAcked++;
      else problems.push(`${label}: 0x10 after the re-sync got ${describe(r)}`);
      if (!(await eventually(() => probeRecipient.delivered.has(id), 5_000)))
        problems.push(`${label}: a 0x10 acked after the re-sync was not delivered`);
    }

    // Five 0x33s in a row on a session that lived through the step (burst 20, 600 per minute).
    const strayBefore = probe.strayErrors.length;
    let answered = 0;
    for (let p = 0; p < 5; p++) {
      try {
        await probe.syncClock();
        answered++;
      } catch {
        // no reply within 5 s
      }
    }
    const limited = probe.strayErrors.slice(strayBefore).filter((e) => e.code === 502).length;
    if (answered !== 5 || limited > 0)
      problems.push(`${label}: ${answered} of 5 0x33s answered, ${limited} got 502`);

    // The storm's clients: their sends after the step; then made again (a new session syncs).
    await Bun.sleep(1_000);
    const refused = storm.failed - stormBefore.failed;
    stormRefusedAfterSteps += refused;
    storm.resync();
    const back = await storm.reconnected(sessions, 30_000);
    const ackedBack = storm.acked.size;
    const flowing = await storm.flowing(ackedBack, 10 * pairs, 30_000);
    if (!back || !flowing) problems.push(`${label}: storm clients back ${back}, flowing again ${flowing}`);
    observed.push(
      `${label}: old-offset 0x10 -> ${describe(staleReply)}; 0x03 unsynced -> ${unsyncedText}, synced -> ${syncedText}; 0x33 offset moved ${moved.toFixed(1)} s, then 5/5 0x10 accepted; 0x33s ${answered}/5 answered, ${limited} 502; storm sends refused in the second after the step ${refused}`,
    );

    if (final) {
      // The forward step held past a TTL sweep, then the offline recipient drains its queue.
      await Bun.sleep((sweepSecs + 2) * 1_000);
      await storm.online();
    }
    const hold = Math.max(0, holdSecs * 1_000 - 2_000);
    await Bun.sleep(hold);
    if (silent !== undefined) {
      const ending = await Promise.race([
        silent,
        Bun.sleep(HELLO_SECS * 1_000 + 5_000).then(() => undefined),
      ]);
      const text =
        ending === undefined
          ? "not closed"
          : `closed after ${(ending.ms / 1000).toFixed(1)} s, ${ending.bytes} bytes`;
      observed.push(`  pre-auth connection opened before it: ${text} (hello_timeout ${HELLO_SECS} s)`);
      if (ending === undefined || ending.ms < (HELLO_SECS - 1) * 1_000 || ending.bytes === 0)
        problems.push(
          `${label}: the silent pre-auth connection was ${text}, not at hello_timeout with a 101`,
        );
    }
    rssMaxMb = Math.max(rssMaxMb, rssMb(processes().worker));
  }

  await storm.stop();
  const report = await storm.drain(60_000);
  const stepLines = server
    .output()
    .split("\n")
    .filter((l) => /the system clock stepped/.test(l));
  stepWarnings = stepLines.length;
  const logged = stepLines.map((l) => /stepped (forward|back) by (\d+) s/.exec(l)?.slice(1).join(" ") ?? "?");
  const errors = server.errorLines();
  const alive = server.alive;
  console.log(
    `clock steps: ${cycles} cycles of +${stepSecs} s, back, -${stepSecs} s, back, then +${stepSecs} s and back; each held ${holdSecs} s; ${pairs} storm pairs (1 recipient offline until the last forward step, queue TTL ${ttlSecs} s, sweep every ${sweepSecs} s); server supervised under libfaketime`,
  );
  console.log(`  libfaketime mapped into supervisor and worker: ${fakedOk}`);
  for (const line of observed) console.log(`  ${line}`);
  console.log(`  storm: ${formatReport(report)}`);
  console.log(
    `  storm sends failed in the second after a step, before the clients were made again (their 0x10s stamped on the old offset: 103): ${stormRefusedAfterSteps}`,
  );
  console.log(`  probe: ${sent.probe} sent, ${sent.probeAcked} acked`);
  console.log(
    `  server: alive ${alive}, clock-step WARN lines ${stepWarnings}, ERROR lines ${errors.length}, worker RSS max ${rssMaxMb} MiB`,
  );
  console.log(`  steps logged at WARN: ${logged.join(", ")}`);
  console.log(`  took ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  const stepsExpected = phases.length;
  verdict(
    "timestamps checked as NCP-1 says (0x10 103 beyond 300 s, 0x03 103 beyond 5 s, a 0x33 re-sync keeps a client working)",
    !problems.some((p) => /0x10|0x03|0x33 offset/.test(p)),
  );
  verdict(
    "0 acknowledged messages missing",
    report.missing === 0 && report.duplicates === 0 && report.strangers === 0,
    formatReport(report),
  );
  verdict(
    "the offline recipient's queue not mass-expired by the forward steps (delivered after a sweep at +step)",
    report.missing === 0 && report.acked > 0,
  );
  verdict(
    "rate limits not drained by a step back (0x33s answered, no 502)",
    !problems.some((p) => /0x33s answered/.test(p)),
  );
  verdict(
    "storm clients made again after each step flow again",
    !problems.some((p) => /storm clients/.test(p)),
  );
  verdict(
    "a pre-auth connection still closes at hello_timeout after a forward step",
    !problems.some((p) => /pre-auth/.test(p)),
  );
  verdict(
    `every step logged at WARN (${stepWarnings} lines for ${stepsExpected} steps)`,
    stepWarnings >= stepsExpected,
  );
  verdict("server alive, no ERROR", alive && errors.length === 0 && fakedOk, errors.slice(0, 3).join(" | "));
  if (report.missing > 0 || report.duplicates > 0 || report.strangers > 0)
    problems.push(`storm: ${formatReport(report)}`);
  if (report.rejected > 0)
    problems.push(`storm: ${report.rejected} delivered but discarded by the recipient`);
  if (stepWarnings < stepsExpected)
    problems.push(`${stepWarnings} clock-step WARN lines for ${stepsExpected} steps`);
  if (!alive || errors.length > 0) problems.push(`server alive ${alive}; ${errors.slice(0, 3).join(" | ")}`);
  probe.close();
  probeRecipient.close();
} catch (error) {
  problems.push(abortedBy(error));
} finally {
  storm?.close();
  await server.stop();
}
if (!printVerdict(problems, 12)) console.log(`  server dir kept: ${server.dir}`);
try {
  rmSync(fakeFile);
} catch {}
process.exit(problems.length === 0 ? 0 : 1);
