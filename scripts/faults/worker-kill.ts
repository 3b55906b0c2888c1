/**
 * Fault scenario "worker kill -9" (issue 14): a supervised instance (daemon.auto_restart,
 * restart_cooldown_secs = 1) under a send storm; its worker is killed with SIGKILL again and again.
 * Must show: every message acked before a kill is delivered after the restart; the instance
 * serves again (NCP-1 handshake) within cooldown + 2 s each time, with exactly one supervisor and
 * one worker; at the end (after `stop`) no process, PID file, lock or socket is left.
 *   bun scripts/faults/worker-kill.ts [KILLS=100] [PAIRS=4]
 */
import { connectNcp } from "../../src/client/ncp-client.ts";
import { eventually, Instance, isRunning, rssMb, watchUnhandled } from "./lib/instance.ts";
import { quantile } from "./lib/quantile.ts";
import { formatReport, Storm } from "./lib/storm.ts";
import { abortedBy, printVerdict } from "./lib/verdict.ts";

const kills = Number(process.argv[2] ?? 100);
const pairs = Number(process.argv[3] ?? 4);
const COOLDOWN_SECS = 1;
const SERVING_WITHIN_MS = COOLDOWN_SECS * 1_000 + 2_000;

const problems: string[] = [];
watchUnhandled(problems);
const servingMs: number[] = [];
let workerRssMaxMb = 0;
const startedAt = Date.now();

/** True once a fresh connection completes the NCP-1 handshake. */
async function serves(instance: Instance): Promise<boolean> {
  try {
    (await connectNcp({ ...instance.server, timeoutMs: 1_000 })).close();
    return true;
  } catch {
    return false;
  }
}

/** One kill: the worker SIGKILLed mid-storm; how long until it serves, and what was owed. */
async function killOnce(
  instance: Instance,
  storm: Storm,
  round: number,
  supervisorPid: number,
): Promise<void> {
  const status = await instance.status();
  const worker = status?.worker_pid;
  if (worker === undefined || worker <= 0)
    return void problems.push(`round ${round}: no worker pid in status`);
  workerRssMaxMb = Math.max(workerRssMaxMb, rssMb(worker));
  const owed = new Set(storm.acked);
  const sessions = storm.sessions();
  const killedAt = Date.now();
  process.kill(worker, "SIGKILL");
  await eventually(() => !isRunning(worker), 5_000);
  const up = await eventually(() => serves(instance), 30_000);
  const took = Date.now() - killedAt;
  servingMs.push(took);
  if (!up) return void problems.push(`round ${round}: not serving 30 s after the kill`);
  if (took > SERVING_WITHIN_MS) problems.push(`round ${round}: serving again after ${took} ms`);
  const now = await instance.status();
  const pids = instance.processes().sort();
  const expected = [supervisorPid, now?.worker_pid ?? -1].sort();
  if (now?.pid !== supervisorPid || now.worker_pid === worker || pids.join() !== expected.join())
    problems.push(`round ${round}: processes ${pids.join(",")}, status ${JSON.stringify(now)}`);
  for (const problem of await storm.recovered(owed, sessions, 10 * pairs))
    problems.push(`round ${round}: ${problem}`);
}

const instance = await Instance.start("norc-fault-worker-kill-", {
  daemon: { auto_restart: true, restart_cooldown_secs: COOLDOWN_SECS, max_restarts: kills + 10 },
});
let storm: Storm | undefined;
try {
  const supervisorPid = (await instance.status())?.pid ?? -1;
  const supervisorRssStartMb = rssMb(supervisorPid);
  storm = await Storm.create(instance.server, { pairs });
  storm.start();
  for (let round = 1; round <= kills; round++) {
    await Bun.sleep(300 + Math.floor(Math.random() * 700));
    await killOnce(instance, storm, round, supervisorPid);
  }
  await storm.stop();
  const report = await storm.drain(60_000);
  const supervisorRssEndMb = rssMb(supervisorPid);
  const restarts = (await instance.status())?.restarts;
  const stopped = await instance.cli("stop");
  const gone = await eventually(() => instance.processes().length === 0, 10_000);
  const left = instance.leftovers();
  if (stopped.exitCode !== 0) problems.push(`stop exited ${stopped.exitCode}: ${stopped.stderr}`);
  if (!gone) problems.push(`processes left after stop: ${instance.processes().join(",")}`);
  if (left.length > 0) problems.push(`files left in run/: ${left.join(", ")}`);
  if (restarts !== kills) problems.push(`status says ${restarts} restarts for ${kills} kills`);
  if (report.missing > 0 || report.rejected > 0 || report.duplicates > 0 || report.strangers > 0)
    problems.push(`storm: ${formatReport(report)}`);
  console.log(
    `worker kill -9: ${kills} kills of the worker during a storm of ${pairs} pairs, cooldown ${COOLDOWN_SECS} s`,
  );
  console.log(`  storm: ${formatReport(report)}`);
  console.log(
    `  serving again after a kill (ms): min ${quantile(servingMs, 0)}, median ${quantile(servingMs, 0.5)}, p95 ${quantile(servingMs, 0.95)}, max ${Math.max(...servingMs)} (must be <= ${SERVING_WITHIN_MS})`,
  );
  console.log(
    `  memory: worker RSS max ${workerRssMaxMb} MiB; supervisor RSS ${supervisorRssStartMb} -> ${supervisorRssEndMb} MiB`,
  );
  console.log(`  after stop: processes ${instance.processes().length}, files in run/ ${left.length}`);
  console.log(`  took ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
} catch (error) {
  problems.push(abortedBy(error));
} finally {
  storm?.close();
  const met = printVerdict(problems);
  instance.close(!met);
  if (!met) console.log(`  instance kept in ${instance.dir}`);
}
process.exit(problems.length === 0 ? 0 : 1);
