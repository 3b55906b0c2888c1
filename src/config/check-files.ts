import { checkAccounts } from "./check-accounts.ts";
import { daemonUserProblems } from "./check-daemon-user.ts";
import {
  checkDirectory,
  checkExistingDirectory,
  checkReadableFile,
  checkWritableFile,
} from "./check-paths.ts";
import { checkTlsFiles } from "./check-tls.ts";
import type { Config } from "./schema.ts";

const FIX = "create it, fix its permissions, or choose another path";

/**
 * Checks what a (loaded, absolute-path) config refers to, creating nothing: TLS files exist and parse
 * and the key matches the certificate, the directories the server writes to can be created, the daemon
 * user and group exist and can use them after the switch, a cluster password file is readable. One line per problem naming the key, the
 * path, the errno and the fix; [] = ok.
 */
export async function checkConfigFiles(config: Config): Promise<string[]> {
  const { tls, storage, logging, daemon, cluster } = config;
  const checks = await Promise.all([
    tls.enabled ? checkTlsFiles(tls) : [],
    checkDirectory("storage.data_dir", storage.data_dir, FIX),
    logging.file ? checkWritableFile("logging.file", logging.file, FIX) : undefined,
    checkWritableFile("daemon.pid_file", daemon.pid_file, FIX),
    daemon.working_dir ? checkExistingDirectory("daemon.working_dir", daemon.working_dir) : undefined,
    cluster.enabled && cluster.database_password_file
      ? checkReadableFile("cluster.database_password_file", cluster.database_password_file)
      : undefined,
    checkAccounts(daemon),
    daemonUserProblems(config),
  ]);
  return checks.flat().filter((problem): problem is string => typeof problem === "string");
}
