import { errorCodeName } from "../protocol/protocol-error.ts";
import type { Relay } from "../relay/relay.ts";
import { histogramFamily } from "../server/histogram-family.ts";
import { family } from "../server/render-metrics.ts";
import { Histogram } from "../util/histogram.ts";

/** Delivery-latency buckets in seconds: a pushed live message takes milliseconds, a queued one up to queue_ttl (7 days). */
export const DELIVERY_LATENCY_BOUNDS_SECS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400, 604_800,
];

/**
 * The messaging families of /metrics from a relay's counters: messages accepted, delivered, acked,
 * expired, purged; refusals by request and code; authenticated sessions; the delivery-latency
 * histogram (time from the entry's acceptance, committed with it, to its push).
 */
export class RelayMetrics {
  readonly deliveryLatency = new Histogram(DELIVERY_LATENCY_BOUNDS_SECS);

  constructor(private readonly relay: Relay) {
    relay.stats.onPushed = (entry, latencyMs) => {
      if (entry.kind === "message") this.deliveryLatency.observe(latencyMs / 1000);
    };
  }

  /** The families, in the text exposition format (no trailing newline). */
  render(): string {
    const s = this.relay.stats;
    const counter = (name: string, help: string, value: number) =>
      family(name, "counter", help, [["", value]]);
    return [
      counter(
        "norc_messages_accepted_total",
        "Messages (0x10) committed to their recipient's queue and answered with status 0.",
        s.messagesAccepted,
      ),
      counter(
        "norc_messages_resent_total",
        "Resends of an accepted message_id answered with status 0 again, stored once (NCP-1 8.3).",
        s.duplicatesAccepted,
      ),
      counter(
        "norc_messages_delivered_total",
        "Messages pushed to their recipient's session (one pushed again on a later session counts again).",
        s.messagesPushed,
      ),
      counter(
        "norc_receipts_delivered_total",
        "Receipts (0x11) pushed, each at most once.",
        s.receiptsPushed,
      ),
      counter(
        "norc_messages_acked_total",
        "Messages removed from their queue by the recipient's ack.",
        s.messagesAcked,
      ),
      counter(
        "norc_messages_expired_total",
        "Messages removed after queue_ttl (their senders are sent status 3).",
        s.messagesExpired,
      ),
      counter(
        "norc_messages_purged_total",
        "Messages removed by the revocation of their recipient (their senders are sent status 3).",
        s.messagesPurged,
      ),
      counter(
        "norc_receipts_dropped_total",
        "Receipts not queued: their recipient's queue was full or the recipient is gone.",
        s.receiptsDropped,
      ),
      family(
        "norc_requests_refused_total",
        "counter",
        "Requests refused with an NCP-1 error, by request (send, ack, register, ...) and code.",
        this.refusals(),
      ),
      family("norc_sessions_authenticated", "gauge", "Authenticated sessions now (at most one per device).", [
        ["", this.relay.router.size],
      ]),
      histogramFamily(
        "norc_delivery_latency_seconds",
        "Seconds from a message's acceptance (committed with it) to its push to the recipient's session.",
        this.deliveryLatency,
      ),
    ].join("\n");
  }

  private refusals(): [string, number][] {
    const rows: [string, number][] = [];
    const requests = [...this.relay.stats.refusedByRequest].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [request, codes] of requests) {
      for (const [code, count] of [...codes].sort(([a], [b]) => a - b)) {
        rows.push([
          `{request="${request}",code="${code}",name="${errorCodeName[code] ?? "UNKNOWN"}"}`,
          count,
        ]);
      }
    }
    return rows;
  }
}
