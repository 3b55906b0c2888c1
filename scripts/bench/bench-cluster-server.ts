import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataDirLayout } from "../../src/config/data-dir.ts";
import { loadOrCreateIdentity } from "../../src/daemon/identity.ts";
import { cleanEnv, freePort, runBinary } from "../../tests/helpers/binary.ts";
import { freshDatabase, postgresServer } from "../../tests/helpers/postgres.ts";
import { type ServerProcess, startServer } from "../../tests/helpers/server-process.ts";
import { benchConfig } from "./bench-server.ts";
import { processCpuSplit } from "./proc-cpu.ts";

/** One instance of the benchmark's cluster: the compiled binary over TLS, its metrics port. */
export interface BenchInstance {
  name: string;
  port: number;
  metricsPort: number;
  pid: number;
  process: ServerProcess;
}

/** N instances on one private, durable Postgres (fsync on), one server identity, limits lifted. */
export interface BenchCluster {
  instances: BenchInstance[];
  /** User + system CPU seconds of every instance together, and of Postgres (postmaster and backends). */
  cpu: () => { instances: { user: number; system: number }; postgres: number };
  stop: () => Promise<void>;
}

/** The postmaster's pid and its children (the backends), from /proc. */
function postgresPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  const children = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

function sumCpu(pids: number[]): { user: number; system: number } {
  return pids.reduce(
    (sum, pid) => {
      try {
        const cpu = processCpuSplit(pid);
        return { user: sum.user + cpu.user, system: sum.system + cpu.system };
      } catch {
        return sum; // a backend that ended
      }
    },
    { user: 0, system: 0 },
  );
}

/** Starts `count` clustered instances of dist/norc-server (run `bun run build` first). */
export async function startBenchCluster(count: number, poolSize = 10): Promise<BenchCluster> {
  const postgres = await postgresServer({ durable: true });
  const url = await freshDatabase();
  const root = mkdtempSync(join(tmpdir(), "norc-bench-cluster-"));
  const identity = loadOrCreateIdentity(join(root, "identity"));
  const instances: BenchInstance[] = [];
  const dirs: string[] = [];
  for (let n = 1; n <= count; n++) {
    const dir = join(root, `n${n}`);
    mkdirSync(join(dir, "data"), { recursive: true, mode: 0o700 });
    copyFileSync(identity.file, dataDirLayout(join(dir, "data")).identityKey);
    const [port, metricsPort] = [await freePort(), await freePort()];
    const cluster = `[cluster]\nenabled = true\ndatabase_url = "${url}"\ninstance_name = "n${n}"\npool_size = ${poolSize}`;
    const metrics = `[metrics]\nenabled = true\nport = ${metricsPort}`;
    writeFileSync(join(dir, "config.toml"), benchConfig(port, `${metrics}\n\n${cluster}`, false));
    dirs.push(dir);
    instances.push({
      name: `n${n}`,
      port,
      metricsPort,
      pid: 0,
      process: undefined as unknown as ServerProcess,
    });
  }
  const migrated = await runBinary(["-c", "config.toml", "migrate"], { cwd: dirs[0], env: cleanEnv() });
  if (migrated.exitCode !== 0) throw new Error(`migrate failed: ${migrated.stderr}${migrated.stdout}`);
  const stop = async () => {
    for (const instance of instances) instance.process?.child.kill("SIGKILL");
    await Promise.all(instances.map((instance) => instance.process?.child.exited));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      instances.map(async (instance, n) => {
        instance.process = startServer(["-c", "config.toml"], { cwd: dirs[n] as string, env: cleanEnv() });
        instance.pid = instance.process.child.pid;
        await instance.process.waitFor(/listening on/, 30_000);
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const cpu = () => ({
    instances: sumCpu(instances.map((instance) => instance.pid)),
    postgres: ((s) => s.user + s.system)(sumCpu(postgresPids(postgres.dataDir))),
  });
  return { instances, cpu, stop };
}
