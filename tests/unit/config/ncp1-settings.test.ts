import { describe, expect, test } from "bun:test";
import { defaultConfig } from "../../../src/config/schema.ts";

/**
 * Every setting NCP-1 names in §§6–10 (`name`, default in parentheses) and the config key that
 * carries it, with the profile's default in the key's unit. §10: all are operator-configurable.
 */
const NAMED: [ncp1: string, key: string, value: unknown][] = [
  ["hello_timeout (10 s)", "session.hello_timeout_secs", 10],
  ["auth_timeout (30 s)", "session.auth_timeout_secs", 30],
  ["idle_timeout (300 s)", "session.idle_timeout_secs", 300],
  ["session_lifetime (3600 s)", "session.lifetime_secs", 3600],
  ["session_max_messages (10 000)", "session.max_messages", 10_000],
  ["session_grace (600 s)", "session.grace_secs", 600],
  ["freshness_window (±300 s)", "session.freshness_window_secs", 300],
  ["auth_max_skew (5 s)", "session.auth_max_skew_secs", 5],
  ["inbound_max_pending (64)", "session.inbound_max_pending", 64],
  ["time_sync.uncertainty (50 000 µs)", "session.time_sync_uncertainty_us", 50_000],
  ["outbound_high_water (1 MiB)", "queue.outbound_high_water_bytes", 1_048_576],
  ["delivery_window (256)", "queue.delivery_window", 256],
  ["outbound_max_bytes (8 MiB)", "queue.outbound_max_bytes", 8_388_608],
  ["outbound_max_frames (1 000)", "queue.outbound_max_frames", 1000],
  ["write_stall_timeout (60 s)", "queue.write_stall_timeout_secs", 60],
  ["dedupe_window (24 h)", "queue.dedupe_window_hours", 24],
  ["queue_ttl (7 days)", "queue.ttl_days", 7],
  ["queue_max_frames (10 000)", "queue.max_frames", 10_000],
  ["queue_max_bytes (256 MiB)", "queue.max_bytes", 268_435_456],
  ["queue_full_retry (60 s)", "queue.full_retry_secs", 60],
  ["presence_contact_days (30)", "queue.presence_contact_days", 30],
  ["messages (60/min)", "limits.messages_per_minute", 60],
  ["messages (burst 120)", "limits.messages_burst", 120],
  ["key_lookups (30/min)", "limits.key_lookups_per_minute", 30],
  ["key_lookups (burst 30)", "limits.key_lookups_burst", 30],
  ["presence (10/min)", "limits.presence_per_minute", 10],
  ["presence (burst 10)", "limits.presence_burst", 10],
  ["revocations (10/h)", "limits.revocations_per_hour", 10],
  ["revocations (burst 10)", "limits.revocations_burst", 10],
  ["registrations (3/h)", "limits.registrations_per_hour", 3],
  ["registrations (burst 3)", "limits.registrations_burst", 3],
  ["time_sync (60/min)", "limits.time_sync_per_minute", 60],
  ["time_sync (burst 10)", "limits.time_sync_burst", 10],
  ["handshakes (30/min)", "limits.handshakes_per_minute", 30],
  ["handshakes (burst 30)", "limits.handshakes_burst", 30],
  ["auth_failures (5 ...)", "limits.auth_failures", 5],
  ["auth_failures (... per 60 s)", "limits.auth_failures_window_secs", 60],
  ["auth_failures (300 s lockout)", "limits.auth_lockout_secs", 300],
  // §10: "the server config's (1 000 by default)": this server's config has said 10 000 since the seed
  ["network.max_connections (the server config's)", "network.max_connections", 10_000],
  ["network.port (8443)", "network.port", 8443],
  ["registration.policy (closed)", "registration.policy", "closed"],
];

describe("NCP-1 named settings", () => {
  test.each(NAMED)("%s is %s, default %p", (_name, key, value) => {
    const [section = "", name = ""] = key.split(".");
    const config = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
    expect(config[section]?.[name]).toEqual(value);
  });
});
