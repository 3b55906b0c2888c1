/**
 * Fault scenario "post-auth frame fuzz" (issue 14): FRAMES mutated frames of every type over
 * authenticated sessions (WORKERS at a time). Valid frames of each type (0x02 0x05 0x10 0x11 0x20
 * 0x30 0x33 0xFF, and 0x00 0x01 0x03 0x04 0x31 and unknown types) get mutated: in each batch of
 * BATCH most get surface mutations (signature, message_id, timestamp, extension bytes) and the last
 * DEEP any (bytes flipped, bodies cut, replaced or given huge lengths, forbidden types; half of the
 * signed ones signed again so the mutation reaches the checks behind the signature); a few
 * connections end with a record tampered after sealing or sent in plaintext. Each connection ends with a 0x30 barrier. Every answer is checked against the
 * profile (§5, §6 state table, §8.1, §9): only codes the type can get, `ref` on each, fatal (101)
 * ends the session and nothing else does, a tampered record closes without a word; 500 never.
 * Prints the outcomes, the server's RSS over the run (must stay under RSS_MAX_MB) and violations.
 *   bun scripts/faults/frame-fuzz.ts [FRAMES=1000000] [WORKERS=8] [SEED=1] [RSS_MAX_MB=512]
 */
import { buildClientAck, decodeAck, isServerAck } from "../../src/protocol/ack.ts";
import { randomBytes, toHex } from "../../src/protocol/bytes.ts";
import { buildKeyRequest, decodeKeyResponse } from "../../src/protocol/directory.ts";
import { buildErrorFrame, decodeErrorBody } from "../../src/protocol/error-frame.ts";
import { buildFrame, decodeHeader, FrameType, frameBody } from "../../src/protocol/header.ts";
import { signEd25519 } from "../../src/protocol/keys.ts";
import { buildPresence } from "../../src/protocol/presence.ts";
import { buildRegister } from "../../src/protocol/register.ts";
import { buildRevoke } from "../../src/protocol/revoke.ts";
import { buildSend } from "../../src/protocol/send.ts";
import { FaultClient, timeSyncRequest } from "./fault-client.ts";
import { FaultServer, verdict } from "./fault-server.ts";

const totalFrames = Number(process.argv[2] ?? 1_000_000);
const workers = Number(process.argv[3] ?? 8);
let seed = Number(process.argv[4] ?? 1);
const rssMaxMb = Number(process.argv[5] ?? 512);
const BATCH = 100;
const DEEP = 5;

/** mulberry32, so a run can be replayed. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

const SIGNED = new Set([0x02, 0x05, 0x10, 0x11, 0x20]);
const FORBIDDEN = new Set([0x00, 0x01, 0x03, 0x04, 0x31]);
/** What a frame of each type may get after auth besides 101 (always possible: version, layer, body). */
const ALLOWED: Record<number, { codes: number[]; answer: "ack" | "keys" | "time" | "none" }> = {
  2: { codes: [502, 103, 200, 303, 202], answer: "ack" },
  5: { codes: [103, 502, 200, 201, 303], answer: "ack" },
  16: { codes: [303, 402, 103, 502, 200, 400], answer: "ack" },
  17: { codes: [303, 103, 200, 400, 502], answer: "none" },
  32: { codes: [303, 103, 502, 200], answer: "none" },
  48: { codes: [502], answer: "keys" },
  51: { codes: [502], answer: "time" },
  255: { codes: [], answer: "none" },
};

interface Ctx {
  client: FaultClient;
  sink: Uint8Array;
  peer: Uint8Array;
}

/** A valid inner frame of `type` for this session's device. */
function validFrame(type: number, ctx: Ctx): Uint8Array {
  const key = ctx.client.signing;
  const stamp = { messageId: randomBytes(32), timestampMs: ctx.client.now() };
  switch (type) {
    case 0x02:
      return buildRegister(stamp, { userId: "fuzz", deviceInfo: "fuzz" }, key);
    case 0x05:
      return buildRevoke(
        stamp,
        { deviceId: randomBytes(32), reason: int(5), effectiveAtMs: stamp.timestampMs },
        key,
      );
    case 0x10:
      return buildSend(
        stamp,
        {
          recipientId: random() < 0.8 ? ctx.sink : randomBytes(32),
          conversation: randomBytes(32),
          sequence: BigInt(int(1 << 24)),
          prevMessageHash: new Uint8Array(32),
          encryptedPayload: randomBytes(52 + int(300)),
        },
        key,
      );
    case 0x11:
      return buildClientAck(
        stamp,
        {
          refMessageId: randomBytes(32),
          status: 1 + int(3),
          eventTimeMs: stamp.timestampMs,
          targetId: ctx.peer,
        },
        key,
      );
    case 0x20:
      return buildPresence(stamp, { status: int(4), message: "fuzz", lastActiveMs: stamp.timestampMs }, key);
    case 0x30:
      return buildKeyRequest(
        stamp,
        random() < 0.5 ? { kind: 0, userId: "fuzz" } : { kind: 1, deviceIds: [ctx.peer] },
      );
    case 0x33:
      return timeSyncRequest(stamp.timestampMs);
    case 0xff:
      return buildErrorFrame(pick([101, 500, 999]), "fuzz", { ref: randomBytes(32) });
    default: {
      const header = {
        version: 1,
        type,
        flags: 0,
        timestampMs: stamp.timestampMs,
        messageId: stamp.messageId,
      };
      return buildFrame(header, randomBytes(int(200)));
    }
  }
}

/**
 * A mutation that leaves the body parseable, mostly: the signature, message_id or timestamp
 * flipped, bytes appended (extension bytes: ignored where unsigned, a bad signature where signed).
 */
function surfaceMutate(inner: Uint8Array, ctx: Ctx): Uint8Array {
  let out = inner.slice();
  const signed = SIGNED.has(out[2] as number);
  const roll = random();
  if (roll < 0.3 && signed) out[out.length - 1 - int(64)] = int(256);
  else if (roll < 0.5) out[16 + int(32)] = int(256);
  else if (roll < 0.75) out = Buffer.concat([out, randomBytes(1 + int(100))]);
  else
    new DataView(out.buffer, out.byteOffset).setBigUint64(
      8,
      ctx.client.now() + BigInt(int(7_200_000) - 3_600_000),
    );
  new DataView(out.buffer, out.byteOffset).setUint32(4, out.length);
  return out;
}

/** One mutation of a valid frame (the record layer stays valid: it is sealed afterwards). */
function mutate(inner: Uint8Array, ctx: Ctx): Uint8Array {
  let out = inner.slice();
  switch (int(6)) {
    case 0: // bytes flipped anywhere past the type byte (header fields included)
      for (let i = 0, n = 1 + int(4); i < n; i++) {
        const at = 3 + int(out.length - 3);
        out[at] = int(256);
      }
      break;
    case 1: // body cut short
      out = out.slice(0, 48 + int(out.length - 48));
      break;
    case 2: // body extended
      out = Buffer.concat([out, randomBytes(1 + int(100))]);
      break;
    case 3: // body replaced
      out = Buffer.concat([out.subarray(0, 48), randomBytes(int(400))]);
      break;
    case 4: // timestamp skewed by up to an hour either way
      new DataView(out.buffer, out.byteOffset).setBigUint64(
        8,
        ctx.client.now() + BigInt(int(7_200_000) - 3_600_000),
      );
      break;
    default: // a length field inside the body made huge
      if (out.length > 56)
        new DataView(out.buffer, out.byteOffset).setUint32(
          48 + int(out.length - 56),
          0xffff_fff0 - int(1000),
        );
  }
  new DataView(out.buffer, out.byteOffset).setUint32(4, out.length);
  if (SIGNED.has(out[2] as number) && out.length >= 48 + 64 && random() < 0.5) {
    out.set(signEd25519(ctx.client.signing, out.subarray(0, out.length - 64)), out.length - 64);
  }
  return out;
}

/** Figures of the whole run. */
const stats = {
  frames: 0,
  connections: 0,
  answered: 0,
  processed: 0,
  fatalEnded: 0,
  outcomes: new Map<string, number>(),
  violations: [] as string[],
  violationCount: 0,
  rss: [] as Array<[number, number]>,
};
const count = (key: string) => stats.outcomes.set(key, (stats.outcomes.get(key) ?? 0) + 1);
const violation = (text: string) => {
  stats.violationCount++;
  if (stats.violations.length < 20) stats.violations.push(text);
};

type Sent = { type: number; frameType: number; kind: "fuzz" | "forbidden" | "unknown" | "valid" };

/** One connection: BATCH frames, then the barrier (or a tampered / plaintext record); checks answers. */
async function fuzzConnection(
  target: { port: number },
  deviceSeed: Uint8Array,
  sink: Uint8Array,
  peer: Uint8Array,
) {
  const client = await FaultClient.connect(target, deviceSeed);
  await client.syncClock();
  const auth = await client.authenticate();
  if ("kind" in auth) throw new Error(`fuzz device could not authenticate: ${JSON.stringify(auth)}`);
  const ctx = { client, sink, peer };
  const sent = new Map<string, Sent>();
  const order: string[] = [];
  const answers: Array<{ ref?: string; what: string; code?: number }> = [];
  let timeReplies = 0;
  let timeFrames = 0;
  let closedAfterBarrier = false;
  const barrierId = randomBytes(32);
  let barrierAnswered!: () => void;
  const barrier = new Promise<void>((r) => {
    barrierAnswered = r;
  });
  client.onRecord = (type, inner) => {
    if (type === FrameType.error) {
      const error = decodeErrorBody(frameBody(inner));
      answers.push({ ref: error.details.find(([k]) => k === "ref")?.[1], what: "error", code: error.code });
    } else if (type === FrameType.ack) {
      const ack = decodeAck(inner);
      if (isServerAck(ack)) answers.push({ ref: toHex(ack.refMessageId), what: "ack" });
    } else if (type === FrameType.keyResponse) {
      const ref = toHex(decodeKeyResponse(inner).refMessageId);
      if (ref === toHex(barrierId)) barrierAnswered();
      else answers.push({ ref, what: "keys" });
    } else if (type === FrameType.timeSync) timeReplies++;
  };
  void client.closed.then(() => barrierAnswered());
  for (let i = 0; i < BATCH; i++) {
    // The last DEEP frames get any mutation (most end the session); the others surface ones.
    const deep = i >= BATCH - DEEP;
    const roll = random();
    const type =
      deep && roll < 0.15
        ? pick([...FORBIDDEN])
        : roll < 0.2
          ? pick([0x06, 0x12, 0x21, 0x32, 0x40, 0x50, 0xfe])
          : pick([0x02, 0x05, 0x10, 0x11, 0x20, 0x30, 0x33, 0xff]);
    const base = validFrame(type, ctx);
    const inner = random() < 0.1 ? base : deep ? mutate(base, ctx) : surfaceMutate(base, ctx);
    const frameType = inner[2] as number;
    const kind = FORBIDDEN.has(frameType)
      ? "forbidden"
      : ALLOWED[frameType] === undefined
        ? "unknown"
        : inner === base
          ? "valid"
          : "fuzz";
    if (frameType === 0x33) timeFrames++;
    const id = toHex(decodeHeader(inner).messageId);
    sent.set(id, { type, frameType, kind });
    order.push(id);
    client.send(inner);
  }
  stats.frames += BATCH;
  // The end of the connection: mostly the barrier; sometimes a tampered record or a plaintext frame.
  const end = random();
  const barrierFrame = buildKeyRequest(
    { messageId: barrierId, timestampMs: client.now() },
    { kind: 1, deviceIds: [peer] },
  );
  let ending: "barrier" | "tampered" | "plaintext" = "barrier";
  if (end < 0.05) {
    ending = "tampered";
    const record = client.seal(barrierFrame);
    const at = 48 + int(record.length - 48);
    record[at] = (record[at] as number) ^ (1 + int(255));
    client.write(record);
  } else if (end < 0.1) {
    ending = "plaintext";
    client.write(barrierFrame);
  } else client.send(barrierFrame);
  stats.frames++;
  const timer = setTimeout(() => {
    violation(`connection ${stats.connections}: no barrier answer and no close within 15 s (${ending})`);
    client.close();
  }, 15_000);
  await barrier;
  clearTimeout(timer);
  if (ending === "barrier" && !client.isClosed) closedAfterBarrier = true;
  if (ending !== "barrier") {
    await Promise.race([client.closed, Bun.sleep(3_000)]);
    if (!client.isClosed) violation(`a ${ending} record did not close the connection`);
  }
  client.close();
  stats.connections++;
  const fatal = answers.find((a) => a.code === 101 && a.ref !== undefined && sent.has(a.ref));
  stats.processed += fatal === undefined ? BATCH + 1 : order.indexOf(fatal.ref as string) + 1;
  judge(sent, answers, {
    ending,
    closedEarly: !closedAfterBarrier && ending === "barrier",
    timeReplies,
    timeFrames,
  });
}

/** Checks every answer of one connection against the profile. */
function judge(
  sent: Map<string, Sent>,
  answers: Array<{ ref?: string; what: string; code?: number }>,
  end: { ending: string; closedEarly: boolean; timeReplies: number; timeFrames: number },
) {
  let fatalSeen = false;
  stats.answered += answers.length;
  for (const answer of answers) {
    const frame = answer.ref === undefined ? undefined : sent.get(answer.ref);
    const label = answer.what === "error" ? String(answer.code) : answer.what;
    if (frame === undefined) {
      // A plaintext frame after the keys is answered 101 without a frame to refer to.
      if (!(answer.code === 101 && end.ending === "plaintext"))
        violation(`${label} without a ref to a sent frame (ref ${answer.ref})`);
      else count(`plaintext after keys -> 101`);
      if (answer.code === 101) fatalSeen = true;
      continue;
    }
    if (fatalSeen) violation(`an answer (${label}) after a fatal error`);
    count(`${frame.kind} 0x${frame.frameType.toString(16).padStart(2, "0")} -> ${label}`);
    const allowed = ALLOWED[frame.frameType];
    if (answer.what === "error") {
      const code = answer.code as number;
      if (code === 101) fatalSeen = true;
      else if (frame.kind === "forbidden")
        violation(`forbidden type 0x${frame.frameType.toString(16)} got ${code}, not 101`);
      else if (frame.kind === "unknown" && code !== 102)
        violation(`unknown type 0x${frame.frameType.toString(16)} got ${code}, not 102`);
      else if (frame.kind !== "unknown" && !allowed?.codes.includes(code))
        violation(`0x${frame.frameType.toString(16)} (${frame.kind}) got ${code}`);
    } else if (allowed === undefined || allowed.answer !== answer.what)
      violation(`0x${frame.frameType.toString(16)} got an unexpected ${answer.what}`);
  }
  if (end.timeReplies > end.timeFrames)
    violation(`${end.timeReplies} TimeSync replies for ${end.timeFrames} requests`);
  if (end.ending === "barrier" && end.closedEarly && !fatalSeen)
    violation("the session closed without a fatal error");
  if (end.ending === "barrier" && !end.closedEarly && fatalSeen)
    violation("the session stayed open after a fatal error");
  if (end.ending === "tampered" && !fatalSeen) count("tampered record -> closed silently");
  if (fatalSeen) stats.fatalEnded++;
}

const server = await FaultServer.start({ extra: "[queue]\nmax_frames = 1000\n" });
let met = true;
const started = performance.now();
try {
  const sinkClient = await FaultClient.online(server.target, "sink");
  sinkClient.close();
  const peerClient = await FaultClient.online(server.target, "peer");
  peerClient.close();
  const sampler = setInterval(() => stats.rss.push([stats.frames, server.rssKb()]), 1_000);
  const crashes: string[] = [];
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const deviceSeed = randomBytes(32);
      (await FaultClient.online(server.target, `fuzz${w}`, deviceSeed)).close();
      while (stats.processed < totalFrames && server.alive) {
        try {
          await fuzzConnection(server.target, deviceSeed, sinkClient.deviceId, peerClient.deviceId);
        } catch (error) {
          crashes.push(String(error));
          if (!server.alive) return;
          await Bun.sleep(100);
        }
      }
    }),
  );
  clearInterval(sampler);
  stats.rss.push([stats.frames, server.rssKb()]);
  const seconds = (performance.now() - started) / 1000;
  const rssMb = stats.rss.map(([, kb]) => kb / 1024);
  const at = (share: number) =>
    rssMb[Math.min(rssMb.length - 1, Math.floor(share * rssMb.length))]?.toFixed(0);
  console.log(
    `frame fuzz: ${stats.processed} frames handled (up to and including each session's fatal one; ${stats.frames} sent) over ${stats.connections} authenticated connections (${stats.fatalEnded} ended by a fatal 101) in ${seconds.toFixed(0)} s (${(stats.processed / seconds).toFixed(0)} handled/s), ${workers} at a time, seed ${process.argv[4] ?? 1}`,
  );
  console.log(`  answers matched to their frame by ref: ${stats.answered}`);
  console.log(
    `  server RSS MiB at 10/50/90/100 %: ${at(0.1)} / ${at(0.5)} / ${at(0.9)} / ${at(1)}, max ${Math.max(...rssMb).toFixed(0)}`,
  );
  const top = [...stats.outcomes].sort((a, b) => b[1] - a[1]);
  console.log(
    `  answers (${top.length} kinds), most common: ${top
      .slice(0, 24)
      .map(([k, n]) => `${k}: ${n}`)
      .join("; ")}`,
  );
  console.log(
    `  violations ${stats.violationCount}; connection errors ${crashes.length}${crashes.length ? ` (${crashes.slice(0, 3).join(" | ")})` : ""}`,
  );
  for (const v of stats.violations.slice(0, 10)) console.log(`    ${v}`);
  const serverErrors = server.errorLines();
  met =
    verdict("no crash (server alive, fuzz devices always reconnect)", server.alive && crashes.length === 0) &&
    met;
  met = verdict(`RSS bounded (max < ${rssMaxMb} MiB)`, Math.max(...rssMb) < rssMaxMb) && met;
  met = verdict("each bad frame answered as the profile says", stats.violationCount === 0) && met;
  met =
    verdict(
      "no ERROR logged (no 500, no handler failure)",
      serverErrors.length === 0,
      serverErrors.slice(0, 3).join(" | "),
    ) && met;
} catch (error) {
  console.log(`frame fuzz: failed: ${error instanceof Error ? error.stack : String(error)}`);
  met = false;
} finally {
  await server.kill();
}
process.exit(met ? 0 : 1);
