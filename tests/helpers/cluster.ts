import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ConnectOptions } from "../../src/client/ncp-client.ts";
import { MemoryTrustStore } from "../../src/client/trust-store.ts";
import { dataDirLayout } from "../../src/config/data-dir.ts";
import { loadOrCreateIdentity } from "../../src/daemon/identity.ts";
import { cleanEnv, freePort, runBinary, tempDir } from "./binary.ts";
import { freshDatabase } from "./postgres.ts";
import { writeConfig } from "./server-config.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

/** One instance of a test cluster: the compiled binary in its own directory, in the foreground. */
export interface ClusterInstance {
  name: string;
  dir: string;
  port: number;
  metricsPort: number;
  process: ServerProcess;
  /** `norc-server -c config.toml ARGS` in the instance's directory. */
  cli: (...args: string[]) => ReturnType<typeof runBinary>;
  /** (Re)starts the process and waits for its "listening" line. */
  run: () => Promise<void>;
}

/** Instances sharing one migrated Postgres database and one server identity (clients pin it). */
export interface TestCluster {
  url: string;
  instances: ClusterInstance[];
  /** `norc-server -c config.toml ARGS` with the cluster's config where no instance runs (offline admin). */
  admin: (...args: string[]) => ReturnType<typeof runBinary>;
  /** Where a client connects to `port` (one trust store: every instance shows the same identity). */
  at: (port: number) => ConnectOptions;
  stop: () => Promise<void>;
}

/** Short cluster timings for tests: a dead instance's leases end within ~4 s. */
const TEST_CLUSTER = { lease_expiry_secs: 4, heartbeat_interval_secs: 1, pool_size: 6 };

/** Starts `count` instances named i1.. on a fresh database (migrated with `norc-server migrate`). */
export async function startCluster(count: number): Promise<TestCluster> {
  const url = await freshDatabase();
  const root = tempDir("norc-cluster-");
  const identityDir = join(root.path, "identity");
  loadOrCreateIdentity(identityDir);
  const instances: ClusterInstance[] = [];
  for (let n = 1; n <= count; n++) instances.push(await prepare(root.path, `i${n}`, url, identityDir));
  const migrated = await instances[0]?.cli("migrate");
  if (migrated?.exitCode !== 0) throw new Error(`migrate failed: ${migrated?.stderr}${migrated?.stdout}`);
  const trustStore = new MemoryTrustStore();
  const stop = async () => {
    await Promise.all(instances.map((instance) => instance.process.kill()));
    root.cleanup();
  };
  try {
    await Promise.all(instances.map((instance) => instance.run()));
  } catch (error) {
    await stop();
    throw error;
  }
  const admin = await prepare(root.path, "admin", url, identityDir);
  return { url, instances, admin: admin.cli, at: (port) => ({ host: "127.0.0.1", port, trustStore }), stop };
}

async function prepare(
  root: string,
  name: string,
  url: string,
  identityDir: string,
): Promise<ClusterInstance> {
  const dir = join(root, name);
  mkdirSync(join(dir, "data"), { recursive: true, mode: 0o700 });
  copyFileSync(dataDirLayout(identityDir).identityKey, dataDirLayout(join(dir, "data")).identityKey);
  const [port, metricsPort] = [await freePort(), await freePort()];
  await writeConfig(dir, {
    network: { bind_address: "127.0.0.1", port, shutdown_timeout_secs: 2 },
    tls: { enabled: false },
    logging: { level: "info" },
    daemon: { pid_file: "./run/norc.pid" },
    metrics: { enabled: true, port: metricsPort },
    registration: { policy: "open" },
    limits: {
      registrations_per_hour: 3600,
      registrations_burst: 1000,
      messages_per_minute: 60000,
      messages_burst: 10000,
    },
    cluster: { enabled: true, database_url: url, instance_name: name, ...TEST_CLUSTER },
  });
  const instance: ClusterInstance = {
    name,
    dir,
    port,
    metricsPort,
    process: undefined as unknown as ServerProcess,
    cli: (...args) =>
      runBinary(["-c", "config.toml", ...args], { cwd: dir, env: cleanEnv(), timeoutMs: 30_000 }),
    run: async () => {
      instance.process = startServer(["-c", "config.toml"], { cwd: dir, env: cleanEnv() });
      await instance.process.waitFor(new RegExp(`listening on 127\\.0\\.0\\.1:${port}`), 20_000);
    },
  };
  return instance;
}
