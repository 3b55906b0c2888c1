/**
 * Fault scenario "SIGHUP storm" (issue 14): reloads by SIGHUP under a send storm, every other one
 * an invalid config. Valid reload k changes exactly limits.messages_per_minute; the invalid one
 * before it changes several other keys too and breaks one thing (a type, an unknown key, a range,
 * TOML syntax, a value out of its set, an unopenable log file). Must show: 0 sessions dropped (no
 * client reconnected), every acked message delivered; each invalid reload rejected and each valid
 * one reported as changing that one key only (so nothing of an invalid config was ever applied);
 * one "reloading configuration" line and one outcome per SIGHUP in the log.
 *   bun scripts/faults/reload-storm.ts [RELOADS=100] [PAIRS=4] [supervised]
 */
import { eventually, Instance, rssMb, type Sections, STORM_LIMITS, watchUnhandled } from "./lib/instance.ts";
import { formatReport, Storm } from "./lib/storm.ts";
import { abortedBy, printVerdict } from "./lib/verdict.ts";

const reloads = Number(process.argv[2] ?? 100);
const pairs = Number(process.argv[3] ?? 4);
const supervised = process.argv[4] === "supervised";

const problems: string[] = [];
watchUnhandled(problems);
const startedAt = Date.now();
const reloadMs: number[] = [];
/** Break kind -> the last rejection line of its first reload. */
const whyRejected = new Map<string, string>();

/** Ways to break a config: [name, extra sections, raw TOML appended]. */
const BREAKS: Array<[string, Sections, string]> = [
  ["port type", { network: { port: "x" } }, ""],
  ["unknown key", { limits: { bogus_limit: 1 } }, ""],
  ["range", { limits: { messages_burst: -5 } }, ""],
  ["toml syntax", {}, "[[[limits\n"],
  ["enum", { registration: { policy: "sometimes" } }, ""],
  ["log file", { logging: { file: "./config.toml/server.log" } }, ""],
];

/** Valid config k: the base with messages_per_minute of its own. */
const valid = (k: number): Sections => ({
  limits: { messages_per_minute: STORM_LIMITS.messages_per_minute + k },
});

/** The invalid config before valid k: other keys changed too, and one break. */
function invalid(k: number): [Sections, string] {
  const [, extra, suffix] = BREAKS[k % BREAKS.length] as [string, Sections, string];
  const changed: Sections = {
    limits: { messages_per_minute: 1_000 + k, messages_burst: 500 },
    registration: { policy: "closed" },
    logging: { level: "debug" },
  };
  for (const [name, values] of Object.entries(extra)) changed[name] = { ...changed[name], ...values };
  return [changed, suffix];
}

/** The messages of the log lines after the `n`th "reloading configuration" (1-based), up to the next. */
function segment(instance: Instance, n: number): string[] {
  const messages = instance.log().map((line) => String(line.message));
  let seen = 0;
  const out: string[] = [];
  for (const message of messages) {
    if (message === "reloading configuration") seen++;
    else if (seen === n) out.push(message);
    if (seen > n) break;
  }
  return out;
}
const isOutcome = (m: string) =>
  m.startsWith("configuration reloaded: ") || m.startsWith("reload rejected, nothing changed: ");

/** Sends SIGHUP number `n`, waits for its outcome line, and checks it. */
async function reloadOnce(
  instance: Instance,
  pid: number,
  n: number,
  k: number,
  good: boolean,
): Promise<void> {
  if (good) await instance.configure(valid(k));
  else await instance.configure(...invalid(k));
  const sentAt = Date.now();
  process.kill(pid, "SIGHUP");
  const logged = await eventually(() => segment(instance, n).some(isOutcome), 10_000);
  reloadMs.push(Date.now() - sentAt);
  const outcome = segment(instance, n).filter(isOutcome);
  if (!logged) return void problems.push(`SIGHUP ${n}: no outcome logged within 10 s`);
  const expected = good
    ? ["configuration reloaded: changed limits.messages_per_minute"]
    : outcome.filter((m) => m.startsWith("reload rejected"));
  if (!good) {
    const kind = BREAKS[k % BREAKS.length]?.[0] ?? "";
    if (!whyRejected.has(kind)) whyRejected.set(kind, outcome.at(-1) ?? "");
  }
  if (outcome.length === 0 || outcome.join("\n") !== expected.join("\n"))
    problems.push(`SIGHUP ${n} (${good ? "valid" : BREAKS[k % BREAKS.length]?.[0]}): ${outcome.join(" | ")}`);
}

const instance = await Instance.start("norc-fault-reload-storm-", {
  ...valid(0),
  daemon: { auto_restart: supervised, restart_cooldown_secs: 1 },
});
let storm: Storm | undefined;
try {
  const pid = (await instance.status())?.pid ?? -1;
  storm = await Storm.create(instance.server, { pairs });
  storm.start();
  for (let n = 1; n <= reloads; n++) {
    await Bun.sleep(100 + Math.floor(Math.random() * 200));
    await reloadOnce(instance, pid, n, Math.ceil(n / 2), n % 2 === 0);
  }
  await storm.stop();
  const report = await storm.drain(60_000);
  const rss = Math.max(...instance.processes().map(rssMb));
  const log = instance.log().map((line) => String(line.message));
  const count = (prefix: string) => log.filter((m) => m.startsWith(prefix)).length;
  const started = count("reloading configuration");
  const applied = count("configuration reloaded: ");
  const rejectedReloads = Array.from({ length: started }, (_, i) => segment(instance, i + 1)).filter((s) =>
    s.some((m) => m.startsWith("reload rejected")),
  ).length;
  if (started !== reloads || applied + rejectedReloads !== reloads)
    problems.push(
      `log: ${started} reloads begun, ${applied} applied, ${rejectedReloads} rejected for ${reloads} SIGHUPs`,
    );
  if (report.reconnects > 0) problems.push(`${report.reconnects} sessions dropped and made again`);
  if (report.missing > 0 || report.rejected > 0 || report.duplicates > 0)
    problems.push(`storm: ${formatReport(report)}`);
  const stopped = await instance.cli("stop");
  if (stopped.exitCode !== 0) problems.push(`stop exited ${stopped.exitCode}`);
  const sorted = [...reloadMs].sort((a, b) => a - b);
  console.log(
    `SIGHUP storm: ${reloads} reloads (half invalid, ${BREAKS.length} kinds of break), ${pairs} pairs${supervised ? ", supervised" : ""}`,
  );
  console.log(`  storm: ${formatReport(report)}`);
  console.log(`  log: ${started} reloads begun, ${applied} applied, ${rejectedReloads} rejected`);
  console.log(
    `  SIGHUP to outcome line (ms): median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted.at(-1)}; server RSS at the end ${rss} MiB`,
  );
  for (const [kind, line] of whyRejected) console.log(`  ${kind}: ${line}`);
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
