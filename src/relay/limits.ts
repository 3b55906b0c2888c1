import { AuthLockout } from "./auth-lockout.ts";
import { KeyedBuckets } from "./keyed-buckets.ts";
import { type LimitSettings, NCP1_DEFAULTS, type RateSetting } from "./settings.ts";
import { TokenBucket } from "./token-bucket.ts";

/** Limits shared by every connection of a server (NCP-1 §10). */
export interface SharedLimits {
  /** `auth_failures`: per device_id and per source address. */
  lockout: AuthLockout;
  /** `registrations`: 3 per hour, burst 3, per source address and per user_id. */
  registrations: KeyedBuckets;
}

/** Every shared §10 bucket, keyed as §10 says (device, source address, user_id). */
export interface RelayLimits extends SharedLimits {
  messages: KeyedBuckets;
  keyLookups: KeyedBuckets;
  presence: KeyedBuckets;
  revocations: KeyedBuckets;
  handshakes: KeyedBuckets;
}

const buckets = (rate: RateSetting) => new KeyedBuckets(rate.burst, rate.perSecond);

/** Fresh shared limits with these settings (the profile's defaults when none are given). */
export function newSharedLimits(settings: LimitSettings = NCP1_DEFAULTS.limits): RelayLimits {
  const { maxFailures, windowMs, lockoutMs } = settings.authFailures;
  return {
    lockout: new AuthLockout(windowMs, maxFailures, lockoutMs),
    registrations: buckets(settings.registrations),
    messages: buckets(settings.messages),
    keyLookups: buckets(settings.keyLookups),
    presence: buckets(settings.presence),
    revocations: buckets(settings.revocations),
    handshakes: buckets(settings.handshakes),
  };
}

/** A connection's own `time_sync` bucket (§10: per connection). */
export function newTimeSyncBucket(settings: LimitSettings, nowMs: number): TokenBucket {
  return new TokenBucket(settings.timeSync.burst, settings.timeSync.perSecond, nowMs);
}

const BUCKETS = ["registrations", "messages", "keyLookups", "presence", "revocations", "handshakes"] as const;

/** The limits after a reload: a bucket whose setting changed is new (full), the others are kept. */
export function updatedLimits(
  current: RelayLimits,
  before: LimitSettings,
  after: LimitSettings,
): RelayLimits {
  const fresh = newSharedLimits(after);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const limits = { ...current };
  for (const name of BUCKETS) if (!same(before[name], after[name])) limits[name] = fresh[name];
  if (!same(before.authFailures, after.authFailures)) limits.lockout = fresh.lockout;
  return limits;
}
