import type { Histogram } from "../util/histogram.ts";

/** `le` as Prometheus writes it: `+Inf` for the last bucket, the plain number otherwise. */
function le(bound: number): string {
  return bound === Number.POSITIVE_INFINITY ? "+Inf" : String(bound);
}

/** One histogram family in the text exposition format: `_bucket{le}` (cumulative), `_sum`, `_count`. */
export function histogramFamily(name: string, help: string, histogram: Histogram): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (const [bound, count] of histogram.cumulative())
    lines.push(`${name}_bucket{le="${le(bound)}"} ${count}`);
  lines.push(`${name}_sum ${histogram.sum}`, `${name}_count ${histogram.count}`);
  return lines.join("\n");
}
