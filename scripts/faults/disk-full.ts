/**
 * Fault scenario "disk full" (issue 14): data_dir on an 8 MiB tmpfs (needs root: mount). Two runs:
 *   quota:  [storage] max_disk_usage_mb below the filesystem: the server must answer 502 limit=disk;
 *   enospc: the quota above it, the filesystem fills (a ballast file leaves 1 MiB): 500.
 * Each round: a sender sends to an offline recipient until refusals are steady; the server must stay up and
 * serve others (0x33 and a send between two other devices are answered); then room is made (the
 * recipient drains and acks its queue; enospc: the ballast is removed too) and new messages must
 * be accepted again. Every message acknowledged must be delivered (missing 0), none refused may be;
 * after the rounds the server restarts on the same store.
 *   bun scripts/faults/disk-full.ts [PAYLOAD_BYTES=16384] [RUNS=quota,enospc] [RECOVER_SECS=30] [ROUNDS=3]
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FaultClient, type Reply } from "./fault-client.ts";
import { FaultServer, verdict } from "./fault-server.ts";

const payloadBytes = Number(process.argv[2] ?? 16_384);
const runs = (process.argv[3] ?? "quota,enospc").split(",");
const recoverSecs = Number(process.argv[4] ?? 30);
const rounds = Number(process.argv[5] ?? 3);

const replyKey = (r: Reply) =>
  r.kind === "ack"
    ? `status ${r.status}`
    : r.kind === "error"
      ? `${r.code}${r.limit ? ` limit=${r.limit}` : ""}`
      : "closed";

/** Sends to `to` with up to 16 in flight until `steady` refusals in a row (or `max` sent); ids acked. */
async function fill(from: FaultClient, to: Uint8Array, steady: number, max: number) {
  const outcomes = new Map<string, number>();
  const acked: string[] = [];
  let refusedInARow = 0;
  let sent = 0;
  while (refusedInARow < steady && sent < max && !from.isClosed) {
    const batch = Array.from({ length: 16 }, () => from.sendMessage(to, payloadBytes));
    sent += batch.length;
    for (const { id, reply } of batch) {
      const r = await reply;
      outcomes.set(replyKey(r), (outcomes.get(replyKey(r)) ?? 0) + 1);
      if (r.kind === "ack" && r.status === 0) {
        acked.push(id);
        refusedInARow = 0;
      } else refusedInARow++;
    }
  }
  return { outcomes, acked, sent };
}

/** Fills the filesystem from outside the server until `headroomBytes` are left (enospc). */
function writeBallast(file: string, mountPoint: string, headroomBytes: number): void {
  const chunk = new Uint8Array(64 * 1024);
  const fd = openSync(file, "a");
  try {
    for (;;) {
      const free = statfsSync(mountPoint);
      if (free.bavail * free.bsize <= headroomBytes) return;
      writeSync(fd, chunk);
    }
  } catch {
    // ENOSPC: full already
  } finally {
    closeSync(fd);
  }
}

interface Round {
  sent: number;
  acked: number;
  outcomes: Map<string, number>;
  pingOk: boolean;
  other: Reply;
  missing: number;
  refusedDelivered: number;
  recoverMs?: number;
  freeKb: number;
}

/** One fill → refusals → make room → drain → recovery round; bob's device is offline on entry. */
async function round(
  kind: string,
  server: FaultServer,
  mountPoint: string,
  bobSeed: Uint8Array,
): Promise<Round> {
  const target = server.target;
  const ballast = join(mountPoint, "ballast");
  if (kind === "enospc") writeBallast(ballast, mountPoint, 1024 * 1024);
  const sender = await FaultClient.online(target, "sender");
  const carol = await FaultClient.online(target, "carol");
  const dave = await FaultClient.online(target, "dave");
  const probe = await FaultClient.connect(target, bobSeed);
  probe.close();
  const bobId = probe.deviceId;
  const filled = await fill(sender, bobId, 40, 5_000);
  const free = statfsSync(mountPoint);
  const freeKb = Math.round((free.bavail * free.bsize) / 1024);
  // Still serving: a 0x33 and a send between two others (refused the same way, but answered).
  const pingOk = await Promise.race([carol.syncClock().then(() => true), Bun.sleep(5_000).then(() => false)]);
  const other = await carol.sendMessage(dave.deviceId, 100).reply;
  // Make room: the ballast goes (enospc), the recipient drains and acks its queue.
  if (kind === "enospc") rmSync(ballast, { force: true });
  const bob = await FaultClient.online(target, "bob", bobSeed);
  const drainStarted = performance.now();
  while (!filled.acked.every((id) => bob.delivered.has(id)) && performance.now() - drainStarted < 30_000)
    await Bun.sleep(100);
  await Bun.sleep(300);
  const missing = filled.acked.filter((id) => !bob.delivered.has(id)).length;
  const refusedDelivered = [...bob.delivered].filter((id) => !filled.acked.includes(id)).length;
  bob.close();
  await bob.closed;
  const recoverStarted = performance.now();
  let recoverMs: number | undefined;
  while (performance.now() - recoverStarted < recoverSecs * 1000 && !sender.isClosed) {
    const r = await sender.sendMessage(bob.deviceId, payloadBytes).reply;
    if (r.kind === "ack" && r.status === 0) {
      recoverMs = performance.now() - recoverStarted;
      break;
    }
    await Bun.sleep(500);
  }
  // The recovery message is drained too, so the next round starts from an empty queue.
  const again = await FaultClient.online(target, "bob", bobSeed);
  await Bun.sleep(300);
  for (const c of [sender, carol, dave, again]) c.close();
  return {
    sent: filled.sent,
    acked: filled.acked.length,
    outcomes: filled.outcomes,
    pingOk,
    other,
    missing,
    refusedDelivered,
    recoverMs,
    freeKb,
  };
}

async function runOne(kind: string): Promise<boolean> {
  const root = mkdtempSync(join(tmpdir(), `norc-disk-${kind}-`));
  const mountPoint = join(root, "fs");
  mkdirSync(mountPoint);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint]);
  let server: FaultServer | undefined;
  let met = true;
  try {
    const quotaMb = kind === "quota" ? 3 : 1000;
    server = await FaultServer.start({
      dataDir: join(mountPoint, "data"),
      extra: `max_disk_usage_mb = ${quotaMb}\nbackup_interval_hours = 0\n`,
    });
    const bobSeed = crypto.getRandomValues(new Uint8Array(32));
    (await FaultClient.online(server.target, "bob", bobSeed)).close();
    console.log(
      `disk full (${kind}): 8 MiB tmpfs, max_disk_usage_mb ${quotaMb}, ${payloadBytes} B messages, ${rounds} rounds`,
    );
    const expected = kind === "quota" ? /^502 limit=disk$/ : /^500$/;
    const all: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      const r = await round(kind, server, mountPoint, bobSeed);
      all.push(r);
      console.log(
        `  round ${i + 1}: sent ${r.sent}, acked ${r.acked}, ${JSON.stringify(Object.fromEntries(r.outcomes))}, fs free ${r.freeKb} KiB; others: 0x33 ${r.pingOk ? "answered" : "NOT answered"}, send ${replyKey(r.other)}; missing ${r.missing}, refused but delivered ${r.refusedDelivered}; recovered ${r.recoverMs === undefined ? "NOT" : `in ${(r.recoverMs / 1000).toFixed(1)} s`}`,
      );
    }
    await server.stop();
    const restarted = await server.run().then(
      () => true,
      () => false,
    );
    const unexpected = server
      .errorLines()
      .filter((l) => !/storage full|SQLITE_FULL|disk is full|commit failed/.test(l));
    const refusals = all.flatMap((r) => [...r.outcomes].filter(([key]) => key !== "status 0"));
    const sum = (f: (r: Round) => number) => all.reduce((n, r) => n + f(r), 0);
    console.log(
      `  total: sent ${sum((r) => r.sent)}, acked ${sum((r) => r.acked)}, missing ${sum((r) => r.missing)}; restart after the run ${restarted ? "opened the store" : "FAILED"}; RSS ${(server.rssKb() / 1024).toFixed(0)} MiB`,
    );
    met =
      verdict(
        `refusals are ${expected.source.replace(/[\^$]/g, "")}, nothing else`,
        refusals.length > 0 && refusals.every(([key]) => expected.test(key)),
        JSON.stringify(refusals),
      ) && met;
    met =
      verdict(
        "server up and serving others while full",
        server.alive && all.every((r) => r.pingOk && r.other.kind !== "closed"),
      ) && met;
    met =
      verdict(
        "nothing acknowledged lost, nothing refused stored",
        all.every((r) => r.missing === 0 && r.refusedDelivered === 0 && r.acked > 0),
      ) && met;
    met =
      verdict(
        "recovery once room is made",
        all.every((r) => r.recoverMs !== undefined),
      ) && met;
    met =
      verdict(
        "store opens after the run, no unexpected ERROR logged",
        restarted && unexpected.length === 0,
        unexpected.slice(0, 3).join(" | "),
      ) && met;
  } catch (error) {
    console.log(`disk full (${kind}): failed: ${error instanceof Error ? error.stack : String(error)}`);
    if (server) console.log(server.output().split("\n").slice(-15).join("\n"));
    met = false;
  } finally {
    await server?.kill();
    execFileSync("umount", ["-l", mountPoint]);
    rmSync(root, { recursive: true, force: true });
  }
  return met;
}

if (process.getuid?.() !== 0) {
  console.log("disk full: skipped: needs root (mount -t tmpfs)");
  process.exit(0);
}
let met = true;
for (const kind of runs) met = (await runOne(kind)) && met;
process.exit(met ? 0 : 1);
