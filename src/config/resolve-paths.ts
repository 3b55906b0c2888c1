import { resolve } from "node:path";
import type { Config } from "./schema.ts";

/** The config with every file and directory path absolute, resolved against `cwd` (where the command ran). */
export function resolvePaths(config: Config, cwd: string): Config {
  const at = (path: string) => resolve(cwd, path);
  const maybe = (path: string | undefined) => (path === undefined ? undefined : at(path));
  return {
    ...config,
    tls: {
      ...config.tls,
      cert_file: maybe(config.tls.cert_file),
      key_file: maybe(config.tls.key_file),
      ca_file: maybe(config.tls.ca_file),
    },
    logging: { ...config.logging, file: maybe(config.logging.file) },
    storage: { ...config.storage, data_dir: at(config.storage.data_dir) },
    daemon: {
      ...config.daemon,
      pid_file: at(config.daemon.pid_file),
      working_dir: maybe(config.daemon.working_dir),
    },
    cluster: { ...config.cluster, database_password_file: maybe(config.cluster.database_password_file) },
  };
}
