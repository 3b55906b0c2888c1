/**
 * Fault scenario "server kill -9" (issue 14): the server SIGKILLed during a send storm, then
 * `start -d` again over the stale PID file, lock and socket. Rounds take turns: supervisor and
 * worker both killed; an unsupervised server killed; only the supervisor killed (its orphaned
 * worker must end on its own); on every other round the first start is killed too, a random
 * 0-250 ms into it. Must show: 0 acknowledged messages missing (the senders' status 0
 * counted against the recipients' deliveries), after each round and at the end; no stray process
 * before a start; each start succeeds; nothing left after the final `stop`.
 *   bun scripts/faults/server-kill.ts [ROUNDS=20] [PAIRS=4]
 */
import { connectNcp } from "../../src/client/ncp-client.ts";
import { eventually, Instance, rssMb, watchUnhandled } from "./lib/instance.ts";
import { quantile } from "./lib/quantile.ts";
import { formatReport, Storm } from "./lib/storm.ts";
import { abortedBy, printVerdict } from "./lib/verdict.ts";

const rounds = Number(process.argv[2] ?? 20);
const pairs = Number(process.argv[3] ?? 4);

const problems: string[] = [];
watchUnhandled(problems);
const servingMs: number[] = [];
let rssMaxMb = 0;
let killedStarts = 0;
const startedAt = Date.now();

const MODES = ["supervisor and worker", "plain server", "supervisor only"] as const;
const mode = (round: number) => MODES[(round - 1) % MODES.length] as (typeof MODES)[number];
/** The daemon section the server of round `round` runs with. */
const daemon = (round: number) => ({
  auto_restart: mode(round) !== "plain server",
  restart_cooldown_secs: 1,
});

async function serves(instance: Instance): Promise<boolean> {
  try {
    (await connectNcp({ ...instance.server, timeoutMs: 1_000 })).close();
    return true;
  } catch {
    return false;
  }
}

/** `start -d` killed (every process of the instance) a random 0-250 ms after it began. */
async function killedStart(instance: Instance): Promise<void> {
  const child = instance.launch("start", "-d");
  await Bun.sleep(Math.random() * 250);
  await instance.killAll();
  child.kill("SIGKILL");
  await child.exited;
  await instance.killAll();
  killedStarts++;
}

/** One round: kill -9 of everything, start again (supervised or not), and what was owed. */
async function killAndStart(instance: Instance, storm: Storm, round: number): Promise<void> {
  const running = instance.processes();
  for (const pid of running) rssMaxMb = Math.max(rssMaxMb, rssMb(pid));
  const expected = daemon(round).auto_restart ? 2 : 1;
  if (running.length !== expected)
    problems.push(`round ${round}: ${running.length} processes before the kill`);
  const top = (await instance.status())?.pid ?? -1;
  const owed = new Set(storm.acked);
  const sessions = storm.sessions();
  const killedAt = Date.now();
  if (mode(round) === "supervisor only") process.kill(top, "SIGKILL");
  else await instance.killAll();
  if (!(await eventually(() => instance.processes().length === 0, 10_000)))
    problems.push(`round ${round} (${mode(round)}): stray processes ${instance.processes().join(",")}`);
  await instance.killAll();
  await instance.configure({ daemon: daemon(round + 1) });
  if (round % 2 === 0) await killedStart(instance);
  const started = await instance.cli("start", "-d");
  if (started.exitCode !== 0)
    problems.push(`round ${round}: start exited ${started.exitCode}: ${started.stderr}`);
  const up = await eventually(() => serves(instance), 30_000);
  servingMs.push(Date.now() - killedAt);
  if (!up) return void problems.push(`round ${round}: not serving 30 s after the start`);
  for (const problem of await storm.recovered(owed, sessions, 10 * pairs))
    problems.push(`round ${round}: ${problem}`);
}

const instance = await Instance.start("norc-fault-server-kill-", { daemon: daemon(1) });
let storm: Storm | undefined;
try {
  storm = await Storm.create(instance.server, { pairs });
  storm.start();
  for (let round = 1; round <= rounds; round++) {
    await Bun.sleep(500 + Math.floor(Math.random() * 1_000));
    await killAndStart(instance, storm, round);
  }
  await storm.stop();
  const report = await storm.drain(60_000);
  const stopped = await instance.cli("stop");
  const gone = await eventually(() => instance.processes().length === 0, 10_000);
  const left = instance.leftovers();
  if (stopped.exitCode !== 0) problems.push(`stop exited ${stopped.exitCode}: ${stopped.stderr}`);
  if (!gone || left.length > 0)
    problems.push(`left after stop: ${instance.processes().length} processes, ${left}`);
  if (report.missing > 0 || report.rejected > 0 || report.duplicates > 0 || report.strangers > 0)
    problems.push(`storm: ${formatReport(report)}`);
  console.log(
    `server kill -9: ${rounds} kills (${MODES.join(", ")} in turn; ${killedStarts} starts killed too), ${pairs} pairs`,
  );
  console.log(`  storm: ${formatReport(report)}`);
  console.log(
    `  kill to serving again, start -d included (ms): min ${quantile(servingMs, 0)}, median ${quantile(servingMs, 0.5)}, max ${Math.max(...servingMs)}`,
  );
  console.log(`  memory: server RSS max ${rssMaxMb} MiB (per process, before each kill)`);
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
