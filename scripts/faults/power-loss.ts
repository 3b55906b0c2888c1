/**
 * Fault scenario "power loss of the store" (issue 14): during a send storm, at a random moment,
 * the server is frozen (SIGSTOP: every thread stops between two system calls, so the files hold
 * exactly what it had written, a transaction possibly half written) and its data dir (norc.db,
 * -wal, -shm, identity) is copied, then it runs on (SIGCONT). One recipient stays offline until the
 * end, so its queue grows through every copy. Must show, for every copy: bun:sqlite
 * opens it and `PRAGMA integrity_check` says ok; every message acked before the freeze has its
 * seen record, and is still queued unless it had been delivered; the binary starts on a second
 * copy, serves, stops cleanly, and the database is still ok after.
 *   bun scripts/faults/power-loss.ts [COPIES=50] [PAIRS=4]
 */
import { Database } from "bun:sqlite";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNcp } from "../../src/client/ncp-client.ts";
import { BINARY, eventually, freePort, Instance, rssMb, watchUnhandled } from "./lib/instance.ts";
import { formatReport, Storm } from "./lib/storm.ts";
import { abortedBy, printVerdict } from "./lib/verdict.ts";

const copies = Number(process.argv[2] ?? 50);
const pairs = Number(process.argv[3] ?? 4);

const problems: string[] = [];
watchUnhandled(problems);
const figures = {
  walBytesMax: 0,
  dbBytesMax: 0,
  frozenMsMax: 0,
  queuedAtCopyMax: 0,
  ackedAtCopyMax: 0,
  rssMaxMb: 0,
};
const startedAt = Date.now();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** What a copy holds: integrity verdict, message ids with a seen record, message ids queued. */
function inspect(dataDir: string): { verdict: string; seen: Set<string>; queued: Set<string> } {
  const db = new Database(join(dataDir, "norc.db"));
  try {
    const verdict = (db.query("PRAGMA integrity_check").values() as string[][])
      .map((row) => row[0])
      .join("; ");
    const ids = (sql: string) =>
      new Set((db.query(sql).values() as Uint8Array[][]).map((row) => hex(row[0] as Uint8Array)));
    return {
      verdict,
      seen: ids("SELECT message_id FROM seen"),
      queued: ids("SELECT message_id FROM entries WHERE kind = 'message'"),
    };
  } finally {
    db.close();
  }
}

/** Starts the binary on `dir` (a copy of the data dir in dir/data): serves, then stops with exit 0. */
async function startOnCopy(dir: string): Promise<string | undefined> {
  const port = await freePort();
  const config = `[network]\nbind_address = "127.0.0.1"\nport = ${port}\n[tls]\nenabled = false\n[logging]\nfile = "./server.log"\n[daemon]\npid_file = "./run/norc.pid"\n`;
  await Bun.write(join(dir, "config.toml"), config);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, NO_COLOR: "1" };
  const run = async (...args: string[]) => {
    const child = Bun.spawn([BINARY, ...args, "-c", "config.toml"], {
      cwd: dir,
      env,
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const [code, stderr] = [await child.exited, await new Response(child.stderr).text()];
    clearTimeout(timer);
    return { code, stderr };
  };
  const started = await run("start", "-d");
  if (started.code !== 0) return `start on the copy exited ${started.code}: ${started.stderr.slice(0, 300)}`;
  const serves = async () => {
    try {
      (await connectNcp({ host: "127.0.0.1", port, timeoutMs: 1_000 })).close();
      return true;
    } catch {
      return false;
    }
  };
  const up = await eventually(serves, 10_000);
  const stopped = await run("stop");
  if (!up) return "the binary on the copy did not serve";
  if (stopped.code !== 0) return `stop on the copy exited ${stopped.code}: ${stopped.stderr.slice(0, 300)}`;
  return undefined;
}

/** One copy: freeze, copy twice, thaw; then check both copies. */
async function copyOnce(instance: Instance, storm: Storm, round: number, workDir: string): Promise<void> {
  const [pid] = instance.processes();
  if (pid === undefined) return void problems.push(`round ${round}: the server is not running`);
  figures.rssMaxMb = Math.max(figures.rssMaxMb, rssMb(pid));
  process.kill(pid, "SIGSTOP");
  const frozenAt = Date.now();
  const acked = new Set(storm.acked);
  const delivered = new Set(storm.delivered.keys());
  const [a, b] = [join(workDir, `r${round}a`), join(workDir, `r${round}b`)];
  try {
    cpSync(join(instance.dir, "data"), join(a, "data"), { recursive: true });
    cpSync(join(instance.dir, "data"), join(b, "data"), { recursive: true });
  } finally {
    process.kill(pid, "SIGCONT");
  }
  figures.frozenMsMax = Math.max(figures.frozenMsMax, Date.now() - frozenAt);
  figures.walBytesMax = Math.max(figures.walBytesMax, Bun.file(join(a, "data/norc.db-wal")).size);
  figures.dbBytesMax = Math.max(figures.dbBytesMax, Bun.file(join(a, "data/norc.db")).size);
  figures.ackedAtCopyMax = Math.max(figures.ackedAtCopyMax, acked.size);
  const held = inspect(join(a, "data"));
  figures.queuedAtCopyMax = Math.max(figures.queuedAtCopyMax, held.queued.size);
  if (held.verdict !== "ok") problems.push(`round ${round}: integrity_check of the copy: ${held.verdict}`);
  const unseen = [...acked].filter((id) => !held.seen.has(id));
  const lost = [...acked].filter((id) => !held.queued.has(id) && !delivered.has(id));
  if (unseen.length > 0 || lost.length > 0)
    problems.push(
      `round ${round}: of ${acked.size} acked, ${unseen.length} without seen record, ${lost.length} neither queued nor delivered`,
    );
  const failed = await startOnCopy(b);
  if (failed !== undefined) problems.push(`round ${round}: ${failed}`);
  else if (inspect(join(b, "data")).verdict !== "ok")
    problems.push(`round ${round}: copy not ok after the binary ran on it`);
  if (problems.length === 0) {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
}

const instance = await Instance.start("norc-fault-power-loss-");
const workDir = mkdtempSync(join(tmpdir(), "norc-fault-power-loss-copies-"));
mkdirSync(workDir, { recursive: true });
let storm: Storm | undefined;
try {
  // one recipient stays offline until the end: its queue grows through every copy
  storm = await Storm.create(instance.server, { pairs, offline: 1 });
  storm.start();
  for (let round = 1; round <= copies; round++) {
    await Bun.sleep(200 + Math.floor(Math.random() * 1_300));
    await copyOnce(instance, storm, round, workDir);
  }
  await storm.stop();
  await storm.online();
  const report = await storm.drain(60_000);
  if (report.missing > 0 || report.rejected > 0 || report.duplicates > 0)
    problems.push(`storm: ${formatReport(report)}`);
  const stopped = await instance.cli("stop");
  if (stopped.exitCode !== 0) problems.push(`stop exited ${stopped.exitCode}`);
  console.log(`power loss: ${copies} copies of the data dir of a frozen server mid-storm, ${pairs} pairs`);
  console.log(`  storm: ${formatReport(report)}`);
  console.log(
    `  at the copies (max): acked ${figures.ackedAtCopyMax}, queued ${figures.queuedAtCopyMax}, norc.db ${figures.dbBytesMax} B, -wal ${figures.walBytesMax} B; frozen ${figures.frozenMsMax} ms`,
  );
  console.log(`  memory: server RSS max ${figures.rssMaxMb} MiB`);
  console.log(`  took ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
} catch (error) {
  problems.push(abortedBy(error));
} finally {
  storm?.close();
  const met = printVerdict(problems);
  instance.close(!met);
  if (!met) console.log(`  instance kept in ${instance.dir}, copies in ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}
process.exit(problems.length === 0 ? 0 : 1);
