/**
 * Fault scenario "config fuzz" (issue 14): mutated TOML files through `validate-config` and
 * `start` of the compiled binary. Every run must exit 0 or 78 (start: 0 once it listens, then it is
 * stopped) and never print a stack trace or an "internal error". Prints the counts per outcome.
 *   bun scripts/faults/config-fuzz.ts [FILES=200] [SEED=1]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const files = Number(process.argv[2] ?? 200);
let seed = Number(process.argv[3] ?? 1);
const binary = resolve(import.meta.dir, "../../dist/norc-server");
const template = await Bun.file(resolve(import.meta.dir, "../../examples/config.toml")).text();

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const NOISE = [
  "=",
  "[",
  "]",
  '"',
  "'",
  "\n",
  "#",
  "-1",
  "1e309",
  "0x7f",
  "true",
  "[[x]]",
  "\u0000",
  "é",
  "\\",
  "{",
  "}",
];

/** One mutation of the template: lines dropped, duplicated or swapped, bytes replaced, values changed. */
function mutate(text: string): string {
  const lines = text.split("\n");
  for (let i = 0, n = 1 + Math.floor(random() * 4); i < n; i++) {
    const at = Math.floor(random() * lines.length);
    const line = lines[at] ?? "";
    switch (Math.floor(random() * 5)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, line);
        break;
      case 2:
        lines[at] = line.replace(
          /=.*/,
          `= ${pick(["-5", '"x"', "999999999", "[]", "{}", "0.5", '""', "nan"])}`,
        );
        break;
      case 3: {
        const cut = Math.floor(random() * (line.length + 1));
        lines[at] = line.slice(0, cut) + pick(NOISE) + line.slice(cut);
        break;
      }
      default:
        lines[at] = pick(lines);
    }
  }
  return lines.join("\n");
}

const dir = mkdtempSync(join(tmpdir(), "norc-config-fuzz-"));
const outcomes = new Map<string, number>();
const failures: string[] = [];
const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
try {
  for (let i = 0; i < files; i++) {
    // Keep the fuzzed servers on loopback, on a port of their own, and out of the way.
    const text = `${mutate(template)}\n`;
    const file = join(dir, `c${i}.toml`);
    writeFileSync(file, text);
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      NO_COLOR: "1",
      NORC_NETWORK_BIND_ADDRESS: "127.0.0.1",
      NORC_NETWORK_PORT: "0",
      NORC_METRICS_ENABLED: "false",
      NORC_DAEMON_PID_FILE: join(dir, `c${i}.pid`),
      NORC_STORAGE_DATA_DIR: join(dir, "data"),
    };
    for (const command of ["validate-config", "start"]) {
      const child = Bun.spawn([binary, command, "-c", file], {
        cwd: dir,
        env,
        stdout: "pipe",
        stderr: "pipe",
      });
      const timer = setTimeout(() => child.kill("SIGTERM"), command === "start" ? 1_500 : 10_000);
      const [code, stderr] = [await child.exited, await new Response(child.stderr).text()];
      clearTimeout(timer);
      const started = command === "start" && (code === 0 || code === 143 || child.signalCode === "SIGTERM");
      const key = `${command}:${started ? "served, stopped" : code}`;
      count(key);
      const bad = !(started || code === 0 || code === 78) || /internal error|\n\s+at |Error: /.test(stderr);
      if (bad) failures.push(`${key} for ${file}:\n${stderr.slice(0, 400)}`);
    }
  }
} finally {
  console.log(`config fuzz: ${files} mutated files x (validate-config, start), seed ${process.argv[3] ?? 1}`);
  for (const [key, n] of [...outcomes].sort()) console.log(`  ${key}: ${n}`);
  console.log(
    `  must be: exit 0 or 78 (or served until stopped), no stack trace: ${failures.length === 0 ? "met" : `NOT met (${failures.length})`}`,
  );
  for (const failure of failures.slice(0, 5)) console.log(failure);
  if (failures.length === 0) rmSync(dir, { recursive: true, force: true });
  else console.log(`  files kept in ${dir}`);
}
process.exit(failures.length === 0 ? 0 : 1);
