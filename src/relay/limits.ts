import { AuthLockout } from "./auth-lockout.ts";
import { KeyedBuckets } from "./keyed-buckets.ts";

/** Limits shared by every connection of a server (NCP-1 §10). */
export interface SharedLimits {
  /** `auth_failures`: per device_id and per source address. */
  lockout: AuthLockout;
  /** `registrations`: 3 per hour, burst 3, per source address and per user_id. */
  registrations: KeyedBuckets;
}

/** Fresh shared limits with the profile's defaults. */
export function newSharedLimits(): SharedLimits {
  return { lockout: new AuthLockout(), registrations: new KeyedBuckets(3, 3 / 3600) };
}
