import { join } from "node:path";

/** The store database's file name inside data_dir. */
export const STORE_FILE = "norc.db";

/**
 * The layout of `storage.data_dir`, named once: what the server creates there and where.
 * The directory itself is 0700; key files are 0600.
 */
export function dataDirLayout(dataDir: string) {
  const tlsDir = join(dataDir, "tls");
  return {
    dir: dataDir,
    /** The message store (SQLite, with -wal and -shm beside it). */
    storeFile: join(dataDir, STORE_FILE),
    /** Verified backups of the store, `norc-<UTC time>.db[.zst]` (storage.backup_*). */
    backupsDir: join(dataDir, "backups"),
    /** The NCP-1 server identity IKs (PKCS#8 PEM, 0600). */
    identityKey: join(dataDir, "server-identity.key"),
    /** The generated self-signed certificate, used when tls.cert_file is not set. */
    tlsDir,
    tlsCert: join(tlsDir, "server.crt"),
    tlsKey: join(tlsDir, "server.key"),
    /** A daemon's log (and stderr) while logging.file is unset. */
    daemonLog: join(dataDir, "norc-server.log"),
  };
}
