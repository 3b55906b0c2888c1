import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { ConfigSchema, defaultConfig } from "../../../src/config/schema.ts";
import { NCP1_DEFAULTS, relaySettings } from "../../../src/relay/settings.ts";

const parse = (input: unknown) => v.safeParse(ConfigSchema, input);

describe("relaySettings", () => {
  test("an empty config gives NCP-1's defaults", () => {
    expect(relaySettings(defaultConfig())).toEqual(NCP1_DEFAULTS);
  });

  test("the NCP-1 figures: 60/min burst 120, 256 MiB, 7 days, 24 h, 1 MiB / 8 MiB", () => {
    const s = relaySettings(defaultConfig());
    expect(s.limits.messages).toEqual({ burst: 120, perSecond: 1 });
    expect(s.limits.registrations.perSecond * 3600).toBeCloseTo(3);
    expect(s.queueMaxBytes).toBe(268_435_456);
    expect(s.queueTtlMs).toBe(604_800_000);
    expect(s.dedupeWindowMs).toBe(86_400_000);
    expect(s.outboundHighWaterBytes).toBe(1_048_576);
    expect(s.outboundMaxBytes).toBe(8_388_608);
  });

  test("config values map with their units", () => {
    const result = parse({
      registration: { policy: "Approval" },
      session: { lifetime_secs: 2, grace_secs: 0, auth_max_skew_secs: 9 },
      queue: { ttl_days: 0.5, dedupe_window_hours: 0.25, full_retry_secs: 7, delivery_window: 3 },
      limits: {
        messages_per_minute: 120,
        messages_burst: 4,
        revocations_per_hour: 0.5,
        auth_lockout_secs: 2,
      },
    });
    expect(result.success).toBe(true);
    const s = relaySettings(result.output as ReturnType<typeof defaultConfig>);
    expect(s.registrationPolicy).toBe("approval");
    expect([s.sessionLifetimeMs, s.sessionGraceMs, s.authMaxSkewMs]).toEqual([2000, 0, 9000]);
    expect([s.queueTtlMs, s.dedupeWindowMs, s.queueFullRetrySecs, s.deliveryWindow]).toEqual([
      43_200_000, 900_000, 7, 3,
    ]);
    expect(s.limits.messages).toEqual({ burst: 4, perSecond: 2 });
    expect(s.limits.revocations.perSecond * 7200).toBeCloseTo(1);
    expect(s.limits.authFailures.lockoutMs).toBe(2000);
  });
});

describe("messaging config sections", () => {
  test("an unknown policy, a zero rate and a fractional burst are refused with their paths", () => {
    const result = parse({
      registration: { policy: "public" },
      limits: { messages_per_minute: 0, presence_burst: 1.5 },
    });
    expect(result.success).toBe(false);
    const paths = (result.issues ?? []).map((issue) => v.getDotPath(issue));
    expect(paths).toEqual(["registration.policy", "limits.messages_per_minute", "limits.presence_burst"]);
  });

  test("the high-water mark must be below the slow-consumer bound", () => {
    const result = parse({ queue: { outbound_high_water_bytes: 8_388_608 } });
    expect(result.success).toBe(false);
    expect(result.issues?.[0]?.message).toContain("must be below queue.outbound_max_bytes");
  });
});
