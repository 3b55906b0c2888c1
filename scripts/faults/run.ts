/**
 * `bun run faults`: the short version of every fault scenario written so far, against the compiled
 * binary (run `bun run build` first). Exits non-zero when a scenario's "must show" is not met.
 * The long versions run on their own (see each script's header).
 */
import { resolve } from "node:path";

const SHORT: Array<{ name: string; args: string[] }> = [
  { name: "config fuzz", args: [resolve(import.meta.dir, "config-fuzz.ts"), "40", "11"] },
  { name: "worker kill -9", args: [resolve(import.meta.dir, "worker-kill.ts"), "3", "2"] },
  { name: "server kill -9", args: [resolve(import.meta.dir, "server-kill.ts"), "3", "2"] },
  { name: "power loss", args: [resolve(import.meta.dir, "power-loss.ts"), "3", "2"] },
  { name: "SIGHUP storm", args: [resolve(import.meta.dir, "reload-storm.ts"), "12", "2", "supervised"] },
  { name: "disk full", args: [resolve(import.meta.dir, "disk-full.ts"), "16384", "quota,enospc", "15", "1"] },
  { name: "store unavailable", args: [resolve(import.meta.dir, "store-unavailable.ts"), "1", "2", "2"] },
  {
    name: "slowloris and flood",
    args: [resolve(import.meta.dir, "slowloris.ts"), "200", "3", "5", "1", "50", "10"],
  },
  { name: "frame fuzz", args: [resolve(import.meta.dir, "frame-fuzz.ts"), "20000", "4", "7"] },
  { name: "clock steps", args: [resolve(import.meta.dir, "clock-steps.ts"), "600", "3", "2", "0"] },
  { name: "slow consumer", args: [resolve(import.meta.dir, "slow-consumer.ts"), "200", "262144", "3", "2"] },
];

let failed = 0;
for (const scenario of SHORT) {
  const child = Bun.spawn([process.execPath, ...scenario.args], { stdout: "inherit", stderr: "inherit" });
  const code = await child.exited;
  if (code !== 0) failed++;
  console.log(`faults: ${scenario.name}: ${code === 0 ? "met" : `NOT met (exit ${code})`}`);
}
console.log(`faults: ${SHORT.length - failed} of ${SHORT.length} scenarios met`);
process.exit(failed === 0 ? 0 : 1);
