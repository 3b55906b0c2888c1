/**
 * Established sessions' delivery latency, measured from a process of its own (so the load a
 * scenario generates does not slow the measurement): PAIRS device pairs, each sender sending a
 * 0x10 every EVERY_MS; each delivery prints "L <latency ms> <epoch ms>", each failure "F <what>".
 *   bun scripts/faults/latency-probe.ts PORT [PAIRS=4] [EVERY_MS=20]
 * `startLatencyProbe` runs it and splits the latencies by time windows.
 */
import { resolve } from "node:path";
import { FaultClient } from "./fault-client.ts";

/** A running probe: latencies (ms) delivered between two epoch times, and failures seen. */
export interface LatencyProbe {
  between(fromMs: number, toMs: number): number[];
  failures(): string[];
  stop(): Promise<void>;
}

/** Starts the probe against `port`; resolves once its devices are online. */
export async function startLatencyProbe(port: number, pairs = 4, everyMs = 20): Promise<LatencyProbe> {
  const child = Bun.spawn(
    [
      process.execPath,
      resolve(import.meta.dir, "latency-probe.ts"),
      String(port),
      String(pairs),
      String(everyMs),
    ],
    {
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const samples: Array<[number, number]> = [];
  const failures: string[] = [];
  let ready!: () => void;
  const online = new Promise<void>((r) => {
    ready = r;
  });
  void (async () => {
    let rest = "";
    for await (const chunk of child.stdout) {
      rest += new TextDecoder().decode(chunk);
      const lines = rest.split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        const [kind, a, b] = line.split(" ");
        if (kind === "L") samples.push([Number(b), Number(a)]);
        else if (kind === "READY") ready();
        else if (kind === "F") failures.push(line.slice(2));
      }
    }
    ready();
  })();
  await online;
  return {
    between: (fromMs, toMs) => samples.filter(([at]) => at >= fromMs && at < toMs).map(([, ms]) => ms),
    failures: () => failures,
    stop: async () => {
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}

if (import.meta.main) {
  const port = Number(process.argv[2]);
  const pairs = Number(process.argv[3] ?? 4);
  const everyMs = Number(process.argv[4] ?? 20);
  const sentAt = new Map<string, number>();
  const devices = await Promise.all(
    Array.from({ length: pairs }, async (_, i) => ({
      from: await FaultClient.online({ port }, `probe-a${i}`),
      to: await FaultClient.online({ port }, `probe-b${i}`),
    })),
  );
  for (const { from, to } of devices) {
    to.onDelivery = (id) => {
      const at = sentAt.get(id);
      if (at !== undefined) console.log(`L ${(performance.now() - at).toFixed(2)} ${Date.now()}`);
      sentAt.delete(id);
    };
    void to.closed.then(() => console.log("F a probe recipient's session ended"));
    void from.closed.then(() => console.log("F a probe sender's session ended"));
  }
  console.log("READY");
  process.on("SIGTERM", () => process.exit(0));
  await Promise.all(
    devices.map(async ({ from, to }) => {
      for (;;) {
        const { id, reply } = from.sendMessage(to.deviceId, 200);
        sentAt.set(id, performance.now());
        void reply.then((r) => {
          if (r.kind !== "ack") console.log(`F ${JSON.stringify(r)}`);
        });
        await Bun.sleep(everyMs);
      }
    }),
  );
}
