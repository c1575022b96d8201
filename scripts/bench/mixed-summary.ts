// Metrics of one mixed-workload run (throughput, goodput under the SLO, TTFT / e2e percentiles per
// priority) and the markdown tables and verdicts printed at the end.
import type { Completion } from "./mixed-systems.ts";
import type { TraceRequest } from "./mixed-trace.ts";
import { percentile } from "./percentile.ts";

export interface Slo {
  /** Arrival → first token. */
  ttftMs: number;
  /** (done − first token) / (tokens − 1): time per output token after the first. */
  tpotMs: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface RunSummary {
  system: string;
  rateMultiple: number;
  ratePerS: number;
  tokensPerS: number;
  goodputPerS: number;
  /** Share of requests that met the SLO. */
  sloMet: number;
  byPriority: Record<string, { requests: number; ttftMs: Percentiles; e2eMs: Percentiles }>;
}

const pct = (values: number[]): Percentiles => ({ p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) });

export function summarizeRun(
  system: string,
  rateMultiple: number,
  ratePerS: number,
  results: Array<{ request: TraceRequest; arrivedAtMs: number } & Completion>,
  slo: Slo,
): RunSummary {
  const firstArrival = Math.min(...results.map((r) => r.arrivedAtMs));
  const wallS = (Math.max(...results.map((r) => r.doneAtMs)) - firstArrival) / 1000;
  const met = results.filter((r) => {
    const ttft = r.firstTokenAtMs - r.arrivedAtMs;
    const tpot = r.tokens > 1 ? (r.doneAtMs - r.firstTokenAtMs) / (r.tokens - 1) : 0;
    return ttft <= slo.ttftMs && tpot <= slo.tpotMs;
  }).length;
  const byPriority: RunSummary["byPriority"] = {};
  for (const priority of [...new Set(results.map((r) => r.request.priority))].sort((a, b) => a - b)) {
    const of = results.filter((r) => r.request.priority === priority);
    byPriority[`p${priority}`] = {
      requests: of.length,
      ttftMs: pct(of.map((r) => r.firstTokenAtMs - r.arrivedAtMs)),
      e2eMs: pct(of.map((r) => r.doneAtMs - r.arrivedAtMs)),
    };
  }
  return {
    system,
    rateMultiple,
    ratePerS,
    tokensPerS: results.reduce((n, r) => n + r.tokens, 0) / wallS,
    goodputPerS: met / wallS,
    sloMet: met / results.length,
    byPriority,
  };
}

const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(0)} s` : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`);

/** The rate where transformers.js first has fewer than 90% of requests in the SLO (else the highest). */
export function comparisonRate(runs: RunSummary[]): number {
  const tjs = runs.filter((r) => r.system === "tjs-dyn").sort((a, b) => a.rateMultiple - b.rateMultiple);
  return (tjs.find((r) => r.sloMet < 0.9) ?? tjs.at(-1))?.rateMultiple ?? NaN;
}

export function mixedTables(runs: RunSummary[], systems: Array<{ id: string; label: string }>): string {
  const rates = [...new Set(runs.map((r) => r.rateMultiple))];
  const find = (system: string, rate: number) => runs.find((r) => r.system === system && r.rateMultiple === rate);
  const lines = systems.map((s) => `- ${s.id}: ${s.label}`);
  lines.push("", `| rate (× naive capacity) | ${systems.map((s) => `${s.id} tok/s · goodput req/s (in SLO)`).join(" | ")} |`);
  lines.push(`|---|${systems.map(() => "---").join("|")}|`);
  for (const rate of rates) {
    const cells = systems.map((s) => {
      const r = find(s.id, rate);
      return r ? `${r.tokensPerS.toFixed(0)} · ${r.goodputPerS.toFixed(2)} (${(r.sloMet * 100).toFixed(0)}%)` : "—";
    });
    lines.push(`| ${rate}× (${find(systems[0].id, rate)?.ratePerS.toFixed(2)} req/s) | ${cells.join(" | ")} |`);
  }
  const at = comparisonRate(runs);
  lines.push("", `TTFT and end-to-end latency p50 / p95 / p99 per priority at ${at}× (where transformers.js first misses the SLO):`, "");
  lines.push("| system | priority | requests | TTFT p50 / p95 / p99 | e2e p50 / p95 / p99 |", "|---|---|---|---|---|");
  for (const s of systems) {
    const r = find(s.id, at);
    for (const [priority, p] of Object.entries(r?.byPriority ?? {})) {
      lines.push(
        `| ${s.id} | ${priority} | ${p.requests} | ${ms(p.ttftMs.p50)} / ${ms(p.ttftMs.p95)} / ${ms(p.ttftMs.p99)} | ${ms(p.e2eMs.p50)} / ${ms(p.e2eMs.p95)} / ${ms(p.e2eMs.p99)} |`,
      );
    }
  }
  const genq = find("genq", at);
  const tjs = find("tjs-dyn", at);
  const naive = find("naive", at);
  if (genq && tjs && naive) {
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : a > 0 ? "∞ (the other met no SLO)" : "— (neither met the SLO)");
    lines.push(
      "",
      `goodput at ${at}×: genq ${ratio(genq.goodputPerS, tjs.goodputPerS)} transformers.js (target ≥ 2×), ${ratio(genq.goodputPerS, naive.goodputPerS)} naive (target ≥ 5×)`,
    );
  }
  return lines.join("\n");
}
