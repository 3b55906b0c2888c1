import * as v from "valibot";
import { isPostgresUrl } from "./cluster-url.ts";

/** Log levels and formats of the seed README; the config accepts them in any case. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export const LOG_FORMATS = ["json", "pretty", "compact"] as const;
export const TLS_VERSIONS = ["1.2", "1.3"] as const;

const atLeast = (min: number) =>
  v.pipe(
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(min, `must be >= ${min}`),
  );
const port = v.pipe(
  v.number("must be a number"),
  v.integer("must be a whole number"),
  v.minValue(0, "must be 1..65535 (0 = any free port)"),
  v.maxValue(65535, "must be 1..65535 (0 = any free port)"),
);
const ipLiteral = v.pipe(
  v.string("must be a string"),
  v.ip("must be an IPv4 or IPv6 address literal, such as 0.0.0.0 or ::"),
);
/** A path or name that may be left unset; "" means unset, as everywhere in the config. */
const unsetOr = v.optional(
  v.pipe(
    v.string("must be a string"),
    v.transform((text): string | undefined => (text.trim() === "" ? undefined : text)),
  ),
);
const bool = (fallback: boolean) => v.optional(v.boolean("must be true or false"), fallback);
const picklistAnyCase = <T extends readonly [string, ...string[]]>(options: T, fallback: T[number]) =>
  v.optional(
    v.pipe(
      v.string("must be a string"),
      v.toLowerCase(),
      v.picklist(options, `must be one of ${options.join(", ")}`),
    ),
    fallback,
  );

/** [network]: where and how the NORC listener accepts connections. */
export const NetworkSchema = v.pipe(
  v.strictObject({
    bind_address: v.optional(ipLiteral, "0.0.0.0"),
    port: v.optional(port, 8443),
    max_connections: v.optional(atLeast(1), 10000),
    connection_timeout_secs: v.optional(atLeast(1), 60),
    ipv6_enabled: bool(false),
    shutdown_timeout_secs: v.optional(atLeast(1), 30),
  }),
  v.forward(
    v.partialCheck(
      [["bind_address"], ["ipv6_enabled"]],
      // bind_address passed v.ip(): it is IPv6 exactly when it has a colon (no node:net at start-up).
      (n) => !n.bind_address.includes(":") || n.ipv6_enabled,
      "an IPv6 address needs network.ipv6_enabled = true",
    ),
    ["bind_address"],
  ),
);

/** [tls]: TLS around the NORC transport; no cert/key = a generated self-signed certificate. */
export const TlsSchema = v.pipe(
  v.strictObject({
    enabled: bool(true),
    cert_file: unsetOr,
    key_file: unsetOr,
    ca_file: unsetOr,
    require_client_certs: bool(false),
    min_version: v.optional(v.picklist(TLS_VERSIONS, `must be "1.2" or "1.3"`), "1.3"),
  }),
  v.forward(
    v.partialCheck(
      [["cert_file"], ["key_file"]],
      (t) => (t.cert_file === undefined) === (t.key_file === undefined),
      "tls.cert_file and tls.key_file must be set together (or both left unset for a generated certificate)",
    ),
    ["key_file"],
  ),
  v.forward(
    v.partialCheck(
      [["ca_file"], ["require_client_certs"]],
      (t) => !t.require_client_certs || t.ca_file !== undefined,
      "require_client_certs = true needs tls.ca_file (the CA that signs client certificates)",
    ),
    ["require_client_certs"],
  ),
);

/** [logging]: level, line format, and where lines go (stdout unless `file` is set). */
export const LoggingSchema = v.strictObject({
  level: picklistAnyCase(LOG_LEVELS, "info"),
  format: picklistAnyCase(LOG_FORMATS, "pretty"),
  file: unsetOr,
  rotation: bool(true),
  max_size_mb: v.optional(atLeast(1), 100),
  max_files: v.optional(atLeast(1), 10),
});

/** [storage]: the data directory and its limits. */
export const StorageSchema = v.strictObject({
  data_dir: v.optional(v.pipe(v.string("must be a string"), v.nonEmpty("must not be empty")), "./data"),
  max_disk_usage_mb: v.optional(atLeast(1), 10240),
  compression_enabled: bool(true),
  backup_interval_hours: v.optional(
    v.pipe(v.number("must be a number"), v.minValue(0, "must be >= 0"), v.finite("must be a number")),
    24,
  ),
  backup_retention: v.optional(atLeast(1), 7),
});

/** [daemon]: PID file, privileges, working directory and the auto-restart supervisor. */
export const DaemonSchema = v.strictObject({
  pid_file: v.optional(
    v.pipe(v.string("must be a string"), v.nonEmpty("must not be empty")),
    "./norc-server.pid",
  ),
  user: unsetOr,
  group: unsetOr,
  working_dir: unsetOr,
  auto_restart: bool(false),
  max_restarts: v.optional(atLeast(1), 5),
  restart_cooldown_secs: v.optional(atLeast(1), 5),
});

/** [metrics]: the health and Prometheus endpoint (off by default). */
export const MetricsSchema = v.strictObject({
  enabled: bool(false),
  bind_address: v.optional(ipLiteral, "127.0.0.1"),
  port: v.optional(port, 9090),
});

/** NCP-1 §6.2 registration policies: `closed` provisions devices out of band. */
export const REGISTRATION_POLICIES = ["closed", "open", "approval"] as const;

const positive = v.pipe(
  v.number("must be a number"),
  v.finite("must be a number"),
  v.gtValue(0, "must be > 0"),
);

/** [registration]: who may register devices over 0x02 (NCP-1 §6.2). */
export const RegistrationSchema = v.strictObject({
  policy: picklistAnyCase(REGISTRATION_POLICIES, "closed"),
});

/** [session]: the NCP-1 §7 timeouts, session lifetime and inbound flow control of a connection. */
export const SessionSchema = v.strictObject({
  hello_timeout_secs: v.optional(atLeast(1), 10),
  auth_timeout_secs: v.optional(atLeast(1), 30),
  idle_timeout_secs: v.optional(atLeast(1), 300),
  lifetime_secs: v.optional(atLeast(1), 3600),
  max_messages: v.optional(atLeast(1), 10000),
  grace_secs: v.optional(atLeast(0), 600),
  freshness_window_secs: v.optional(atLeast(1), 300),
  auth_max_skew_secs: v.optional(atLeast(1), 5),
  inbound_max_pending: v.optional(atLeast(1), 64),
  time_sync_uncertainty_us: v.optional(atLeast(0), 50000),
});

/** [queue]: each device's store-and-forward queue and its delivery (NCP-1 §7.3, §8.3). */
export const QueueSchema = v.pipe(
  v.strictObject({
    max_frames: v.optional(atLeast(1), 10000),
    max_bytes: v.optional(atLeast(1), 268435456),
    ttl_days: v.optional(positive, 7),
    full_retry_secs: v.optional(atLeast(1), 60),
    dedupe_window_hours: v.optional(positive, 24),
    presence_contact_days: v.optional(positive, 30),
    delivery_window: v.optional(atLeast(1), 256),
    outbound_high_water_bytes: v.optional(atLeast(1), 1048576),
    outbound_max_bytes: v.optional(atLeast(1), 8388608),
    outbound_max_frames: v.optional(atLeast(1), 1000),
    write_stall_timeout_secs: v.optional(atLeast(1), 60),
  }),
  v.forward(
    v.partialCheck(
      [["outbound_high_water_bytes"], ["outbound_max_bytes"]],
      (q) => q.outbound_high_water_bytes < q.outbound_max_bytes,
      "queue.outbound_high_water_bytes must be below queue.outbound_max_bytes (a session stops pulling before it is closed as a slow consumer)",
    ),
    ["outbound_high_water_bytes"],
  ),
);

/** [limits]: the NCP-1 §10 token buckets (rate and burst, named after the `limit` detail) and the auth lockout. */
export const LimitsSchema = v.strictObject({
  messages_per_minute: v.optional(positive, 60),
  messages_burst: v.optional(atLeast(1), 120),
  key_lookups_per_minute: v.optional(positive, 30),
  key_lookups_burst: v.optional(atLeast(1), 30),
  presence_per_minute: v.optional(positive, 10),
  presence_burst: v.optional(atLeast(1), 10),
  revocations_per_hour: v.optional(positive, 10),
  revocations_burst: v.optional(atLeast(1), 10),
  registrations_per_hour: v.optional(positive, 3),
  registrations_burst: v.optional(atLeast(1), 3),
  time_sync_per_minute: v.optional(positive, 60),
  time_sync_burst: v.optional(atLeast(1), 10),
  handshakes_per_minute: v.optional(positive, 30),
  handshakes_burst: v.optional(atLeast(1), 30),
  auth_failures: v.optional(atLeast(1), 5),
  auth_failures_window_secs: v.optional(atLeast(1), 60),
  auth_lockout_secs: v.optional(atLeast(1), 300),
});

/** [cluster]: several instances on one shared Postgres (off by default: the embedded SQLite store). */
export const ClusterSchema = v.pipe(
  v.strictObject({
    enabled: bool(false),
    database_url: v.optional(
      v.pipe(
        v.string("must be a string"),
        v.transform((text): string | undefined => (text.trim() === "" ? undefined : text.trim())),
        v.check(
          (url) => url === undefined || isPostgresUrl(url),
          "must be a postgres:// or postgresql:// URL with a host, such as postgres://norc@db.internal:5432/norc",
        ),
      ),
    ),
    database_password_file: unsetOr,
    pool_size: v.optional(atLeast(1), 10),
    instance_name: unsetOr,
    lease_expiry_secs: v.optional(atLeast(2), 30),
    heartbeat_interval_secs: v.optional(atLeast(1), 5),
  }),
  v.forward(
    v.partialCheck(
      [["enabled"], ["database_url"]],
      (c) => !c.enabled || c.database_url !== undefined,
      "cluster.enabled = true needs cluster.database_url (or NORC_CLUSTER_DATABASE_URL)",
    ),
    ["database_url"],
  ),
  v.forward(
    v.partialCheck(
      [["lease_expiry_secs"], ["heartbeat_interval_secs"]],
      (c) => c.lease_expiry_secs > 2 * c.heartbeat_interval_secs,
      "cluster.lease_expiry_secs must be more than twice cluster.heartbeat_interval_secs (one late heartbeat must not expire an instance's leases)",
    ),
    ["lease_expiry_secs"],
  ),
);

/** The whole configuration: every section and key optional, unknown ones rejected. */
export const ConfigSchema = v.strictObject({
  network: v.optional(NetworkSchema, {}),
  tls: v.optional(TlsSchema, {}),
  logging: v.optional(LoggingSchema, {}),
  storage: v.optional(StorageSchema, {}),
  daemon: v.optional(DaemonSchema, {}),
  metrics: v.optional(MetricsSchema, {}),
  registration: v.optional(RegistrationSchema, {}),
  session: v.optional(SessionSchema, {}),
  queue: v.optional(QueueSchema, {}),
  limits: v.optional(LimitsSchema, {}),
  cluster: v.optional(ClusterSchema, {}),
});

export type Config = v.InferOutput<typeof ConfigSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
export type RegistrationPolicy = (typeof REGISTRATION_POLICIES)[number];

/** The built-in defaults: what `norc-server` runs with when no config file exists. */
export function defaultConfig(): Config {
  return v.parse(ConfigSchema, {});
}
