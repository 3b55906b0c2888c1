import type { Config, RegistrationPolicy } from "../config/schema.ts";

/** A §10 token bucket: holds at most `burst` tokens, refilled continuously at `perSecond`. */
export interface RateSetting {
  burst: number;
  perSecond: number;
}

/** The §10 rate limits by their `limit` name, and the `auth_failures` lockout. */
export interface LimitSettings {
  messages: RateSetting;
  keyLookups: RateSetting;
  presence: RateSetting;
  revocations: RateSetting;
  registrations: RateSetting;
  timeSync: RateSetting;
  handshakes: RateSetting;
  authFailures: { maxFailures: number; windowMs: number; lockoutMs: number };
}

/** Every named setting of NCP-1 §§6–10 the server uses, in the units the code works in. */
export interface RelaySettings {
  registrationPolicy: RegistrationPolicy;
  helloTimeoutMs: number;
  authTimeoutMs: number;
  idleTimeoutMs: number;
  sessionLifetimeMs: number;
  sessionMaxMessages: number;
  sessionGraceMs: number;
  freshnessWindowMs: number;
  authMaxSkewMs: number;
  inboundMaxPending: number;
  /** The fixed 10 MiB inbound bound of §7.3 (not a named setting). */
  inboundMaxBytes: number;
  timeSyncUncertaintyUs: number;
  /** The §2 protocol constant for |encrypted_payload| (not configurable). */
  maxPayloadBytes: number;
  queueMaxFrames: number;
  queueMaxBytes: number;
  queueTtlMs: number;
  queueFullRetrySecs: number;
  dedupeWindowMs: number;
  presenceContactMs: number;
  deliveryWindow: number;
  outboundHighWaterBytes: number;
  outboundMaxBytes: number;
  outboundMaxFrames: number;
  writeStallTimeoutMs: number;
  limits: LimitSettings;
}

const SECOND_MS = 1000;
const HOUR_MS = 3600 * SECOND_MS;
const DAY_MS = 24 * HOUR_MS;
const perMinute = (rate: number, burst: number): RateSetting => ({ burst, perSecond: rate / 60 });
const perHour = (rate: number, burst: number): RateSetting => ({ burst, perSecond: rate / 3600 });

/** The settings of a config: `[registration]`, `[session]`, `[queue]` and `[limits]`. */
export function relaySettings(config: Config): RelaySettings {
  const { session, queue, limits } = config;
  return {
    registrationPolicy: config.registration.policy,
    helloTimeoutMs: session.hello_timeout_secs * SECOND_MS,
    authTimeoutMs: session.auth_timeout_secs * SECOND_MS,
    idleTimeoutMs: session.idle_timeout_secs * SECOND_MS,
    sessionLifetimeMs: session.lifetime_secs * SECOND_MS,
    sessionMaxMessages: session.max_messages,
    sessionGraceMs: session.grace_secs * SECOND_MS,
    freshnessWindowMs: session.freshness_window_secs * SECOND_MS,
    authMaxSkewMs: session.auth_max_skew_secs * SECOND_MS,
    inboundMaxPending: session.inbound_max_pending,
    inboundMaxBytes: 10 * 1024 * 1024,
    timeSyncUncertaintyUs: session.time_sync_uncertainty_us,
    maxPayloadBytes: 4_194_304,
    queueMaxFrames: queue.max_frames,
    queueMaxBytes: queue.max_bytes,
    queueTtlMs: Math.round(queue.ttl_days * DAY_MS),
    queueFullRetrySecs: queue.full_retry_secs,
    dedupeWindowMs: Math.round(queue.dedupe_window_hours * HOUR_MS),
    presenceContactMs: Math.round(queue.presence_contact_days * DAY_MS),
    deliveryWindow: queue.delivery_window,
    outboundHighWaterBytes: queue.outbound_high_water_bytes,
    outboundMaxBytes: queue.outbound_max_bytes,
    outboundMaxFrames: queue.outbound_max_frames,
    writeStallTimeoutMs: queue.write_stall_timeout_secs * SECOND_MS,
    limits: {
      messages: perMinute(limits.messages_per_minute, limits.messages_burst),
      keyLookups: perMinute(limits.key_lookups_per_minute, limits.key_lookups_burst),
      presence: perMinute(limits.presence_per_minute, limits.presence_burst),
      revocations: perHour(limits.revocations_per_hour, limits.revocations_burst),
      registrations: perHour(limits.registrations_per_hour, limits.registrations_burst),
      timeSync: perMinute(limits.time_sync_per_minute, limits.time_sync_burst),
      handshakes: perMinute(limits.handshakes_per_minute, limits.handshakes_burst),
      authFailures: {
        maxFailures: limits.auth_failures,
        windowMs: limits.auth_failures_window_secs * SECOND_MS,
        lockoutMs: limits.auth_lockout_secs * SECOND_MS,
      },
    },
  };
}

/** NCP-1's defaults (the settings of an empty config), written out so a test can hold both to the profile. */
export const NCP1_DEFAULTS: RelaySettings = {
  registrationPolicy: "closed",
  helloTimeoutMs: 10_000,
  authTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
  sessionLifetimeMs: 3_600_000,
  sessionMaxMessages: 10_000,
  sessionGraceMs: 600_000,
  freshnessWindowMs: 300_000,
  authMaxSkewMs: 5_000,
  inboundMaxPending: 64,
  inboundMaxBytes: 10 * 1024 * 1024,
  timeSyncUncertaintyUs: 50_000,
  maxPayloadBytes: 4_194_304,
  queueMaxFrames: 10_000,
  queueMaxBytes: 256 * 1024 * 1024,
  queueTtlMs: 7 * DAY_MS,
  queueFullRetrySecs: 60,
  dedupeWindowMs: 24 * HOUR_MS,
  presenceContactMs: 30 * DAY_MS,
  deliveryWindow: 256,
  outboundHighWaterBytes: 1024 * 1024,
  outboundMaxBytes: 8 * 1024 * 1024,
  outboundMaxFrames: 1_000,
  writeStallTimeoutMs: 60_000,
  limits: {
    messages: perMinute(60, 120),
    keyLookups: perMinute(30, 30),
    presence: perMinute(10, 10),
    revocations: perHour(10, 10),
    registrations: perHour(3, 3),
    timeSync: perMinute(60, 10),
    handshakes: perMinute(30, 30),
    authFailures: { maxFailures: 5, windowMs: 60_000, lockoutMs: 300_000 },
  },
};
