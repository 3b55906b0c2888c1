/**
 * Fault scenario "store unavailable" (issue 14): the database becomes unwritable mid-run, OUTAGES
 * times. chmod does not stop root and a busy tmpfs cannot be remounted read-only, so two injectors:
 *   eio:    strace attached to the server injects EIO into every pwrite64/fsync/fdatasync (the
 *           disk fails; needs strace and ptrace rights);
 *   locked: another process holds the database's write lock (BEGIN IMMEDIATE), as an operator's
 *           sqlite3 shell or a stray tool would.
 * Senders stream 0x10s to online recipients throughout. While unwritable, every send must get 500
 * (nothing stored: none of them is ever delivered), and the server must keep serving: 0x33s
 * answered, a new connection authenticates. Afterwards sends must be accepted again; every acked
 * message must be delivered (missing 0); after a restart the store opens and delivers nothing refused.
 *   bun scripts/faults/store-unavailable.ts [OUTAGES=3] [OUTAGE_SECS=3] [PAIRS=3] [MODES=eio,locked]
 */
import { join } from "node:path";
import { FaultClient, type Reply } from "./fault-client.ts";
import { FaultServer, verdict } from "./fault-server.ts";

const outages = Number(process.argv[2] ?? 3);
const outageSecs = Number(process.argv[3] ?? 3);
const pairs = Number(process.argv[4] ?? 3);

const modes = (process.argv[5] ?? "eio,locked").split(",");

/** Makes the store unwritable until the returned function is called. */
type Injector = (server: FaultServer) => Promise<() => Promise<void>>;

const INJECTORS: Record<string, Injector> = {
  eio: async (server) => {
    const tracer = Bun.spawn(
      [
        "strace",
        "-f",
        "-qq",
        "-o",
        "/dev/null",
        "-p",
        String(server.process?.child.pid),
        "-e",
        "trace=pwrite64,pwritev,fsync,fdatasync",
        "-e",
        "inject=pwrite64,pwritev,fsync,fdatasync:error=EIO",
      ],
      { stdout: "ignore", stderr: "pipe" },
    );
    await Bun.sleep(300);
    return async () => {
      tracer.kill("SIGINT");
      await tracer.exited;
    };
  },
  locked: async (server) => {
    const file = join(server.dataDir, "norc.db");
    const holder = Bun.spawn(
      [
        process.execPath,
        "-e",
        `const { Database } = require("bun:sqlite"); const db = new Database(${JSON.stringify(file)}); db.run("PRAGMA busy_timeout = 10000"); db.run("BEGIN IMMEDIATE"); console.log("locked"); for await (const _ of Bun.stdin.stream()) {} db.run("ROLLBACK");`,
      ],
      { stdin: "pipe", stdout: "pipe", stderr: "inherit" },
    );
    const first = await holder.stdout.getReader().read();
    if (first.done) throw new Error("the lock holder could not take the write lock");
    return async () => {
      holder.stdin.end();
      await holder.exited;
    };
  },
};

type Phase = "before" | "unwritable" | "after";
const key = (r: Reply) =>
  r.kind === "ack" ? `status ${r.status}` : r.kind === "error" ? String(r.code) : "closed";

async function runMode(mode: string, inject: Injector): Promise<boolean> {
  let phase: Phase = "before";
  const outcomes: Record<Phase, Map<string, number>> = {
    before: new Map(),
    unwritable: new Map(),
    after: new Map(),
  };
  const acked = new Set<string>();
  const refused = new Set<string>();
  let server: FaultServer | undefined;
  let met = true;
  try {
    server = await FaultServer.start({ extra: "backup_interval_hours = 0\n" });
    const target = server.target;
    const seeds = Array.from({ length: pairs }, () => crypto.getRandomValues(new Uint8Array(32)));
    const devices = await Promise.all(
      seeds.map(async (seed, i) => ({
        from: await FaultClient.online(target, `s${i}`),
        to: await FaultClient.online(target, `r${i}`, seed),
      })),
    );
    const extraSeed = crypto.getRandomValues(new Uint8Array(32));
    (await FaultClient.online(target, "extra", extraSeed)).close();
    let running = true;
    let firstAcceptAt: number | undefined;
    const streams = devices.map(async ({ from, to }) => {
      while (running && !from.isClosed) {
        const sentIn = phase;
        const { id, reply } = from.sendMessage(to.deviceId, 1024);
        const r = await reply;
        // A send that straddles a phase change is counted as unwritable (either answer is right there).
        const map = outcomes[sentIn === phase ? phase : "unwritable"];
        map.set(key(r), (map.get(key(r)) ?? 0) + 1);
        if (r.kind === "ack" && r.status === 0) {
          acked.add(id);
          if (phase === "after") firstAcceptAt ??= performance.now();
        } else refused.add(id);
        await Bun.sleep(10);
      }
    });
    const serving: string[] = [];
    const recoveries: number[] = [];
    const outageMs: number[] = [];
    await Bun.sleep(1_000);
    for (let i = 0; i < outages; i++) {
      phase = "unwritable";
      const startedAt = performance.now();
      const release = await inject(server);
      await Bun.sleep(outageSecs * 500);
      // Serving while unwritable: a 0x33 on a live session, and a fresh session of a known device.
      const pingOk = await Promise.race([
        devices[0]?.from.syncClock().then(() => true),
        Bun.sleep(5_000).then(() => false),
      ]);
      const fresh = await FaultClient.connect(target, extraSeed).then(
        async (c) => {
          await c.syncClock();
          const auth = await c.authenticate();
          c.close();
          return "kind" in auth ? `refused ${JSON.stringify(auth)}` : "authenticated";
        },
        (error) => `failed (${error})`,
      );
      serving.push(`0x33 ${pingOk ? "answered" : "NOT answered"}, new session ${fresh}`);
      await Bun.sleep(Math.max(0, outageSecs * 1000 - (performance.now() - startedAt)));
      await release();
      outageMs.push(performance.now() - startedAt);
      const releasedAt = performance.now();
      firstAcceptAt = undefined;
      phase = "after";
      await Bun.sleep(2_000);
      recoveries.push(firstAcceptAt === undefined ? Number.NaN : firstAcceptAt - releasedAt);
      phase = "before";
    }
    running = false;
    await Promise.all(streams);
    await Bun.sleep(500);
    const delivered = new Set<string>();
    for (const d of devices) for (const id of d.to.delivered) delivered.add(id);
    for (const d of devices) {
      d.from.close();
      d.to.close();
    }
    // After a restart the recipients get whatever is still queued: acked ones they missed, never refused ones.
    await server.stop();
    await server.run();
    const again = await Promise.all(seeds.map((seed, i) => FaultClient.online(target, `r${i}`, seed)));
    await Bun.sleep(1_000);
    for (const c of again) for (const id of c.delivered) delivered.add(id);
    for (const c of again) c.close();
    const missing = [...acked].filter((id) => !delivered.has(id)).length;
    const refusedDelivered = [...refused].filter((id) => delivered.has(id)).length;

    const text = (m: Map<string, number>) => JSON.stringify(Object.fromEntries(m));
    console.log(`store unavailable (${mode}): ${outages} outages of ${outageSecs} s, ${pairs} streams`);
    console.log(
      `  outcomes before/between: ${text(outcomes.before)}; unwritable: ${text(outcomes.unwritable)}; after: ${text(outcomes.after)}`,
    );
    console.log(
      `  sent ${acked.size + refused.size}, acked ${acked.size}, refused ${refused.size}, delivered ${delivered.size}, missing ${missing}, refused but delivered ${refusedDelivered}`,
    );
    for (const [i, s] of serving.entries())
      console.log(
        `  outage ${i + 1} (${((outageMs[i] ?? 0) / 1000).toFixed(1)} s): ${s}; first send accepted ${(recoveries[i] ?? Number.NaN).toFixed(0)} ms after`,
      );
    console.log(`  server alive ${server.alive}, RSS ${(server.rssKb() / 1024).toFixed(0)} MiB`);
    const bad = [...outcomes.unwritable.keys()].filter((k) => k !== "500" && k !== "status 0");
    met =
      verdict(
        "500 while unwritable, nothing else",
        outcomes.unwritable.has("500") && bad.length === 0,
        bad.join(","),
      ) && met;
    met =
      verdict(
        "nothing refused stored, nothing acked lost",
        refusedDelivered === 0 && missing === 0 && acked.size > 0,
      ) && met;
    met =
      verdict(
        "keeps serving others while unwritable",
        serving.every((s) => s === "0x33 answered, new session authenticated"),
        serving.join(" | "),
      ) && met;
    met =
      verdict(
        "recovers (a send accepted within 2 s)",
        recoveries.every((ms) => Number.isFinite(ms)),
      ) && met;
    met = verdict("restart opens the store", server.alive) && met;
  } catch (error) {
    console.log(
      `store unavailable (${mode}): failed: ${error instanceof Error ? error.stack : String(error)}`,
    );
    if (server) console.log(server.output().split("\n").slice(-15).join("\n"));
    met = false;
  } finally {
    await server?.kill();
  }
  return met;
}

let met = true;
for (const mode of modes) {
  const inject = INJECTORS[mode];
  if (inject === undefined) throw new Error(`unknown mode ${mode} (eio, locked)`);
  if (mode === "eio" && Bun.which("strace") === null) {
    console.log("store unavailable (eio): skipped: strace is not installed");
    continue;
  }
  met = (await runMode(mode, inject)) && met;
}
process.exit(met ? 0 : 1);
