// Plain-text tables for the console: one row per system × concurrency, then the token-gap rows.
import type { ConcurrencySummary } from "./latency-summary.ts";
import type { TokenGapResult } from "./token-gap.ts";

export interface SystemResult {
  id: string;
  label: string;
  loadMs: number;
  levels: ConcurrencySummary[];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : "-");

export function resultsTable(systems: SystemResult[]): string {
  const rows = systems.flatMap((s) =>
    s.levels.map((l) => [
      s.id,
      String(l.concurrency),
      String(l.requests),
      l.tokensPerSecond.toFixed(1),
      ms(l.ttftP50Ms),
      ms(l.latencyP50Ms),
      ms(l.latencyP95Ms),
    ]),
  );
  return table(["system", "conc", "reqs", "tok/s", "ttft p50 ms", "lat p50 ms", "lat p95 ms"], rows);
}

export function tokenGapTable(results: TokenGapResult[]): string {
  const rows = results.map((r) => [
    r.prefillChunkTokens >= r.longPromptTokens ? `off (chunk ${r.prefillChunkTokens})` : `on (chunk ${r.prefillChunkTokens})`,
    String(r.runningSequences),
    ms(r.steadyStepMs),
    ms(r.worstTokenGapMs),
    ms(r.longTtftMs),
    ms(r.afterMergeStepMs),
  ]);
  return table(["chunked prefill", "running", "step ms before", "worst gap ms", "long ttft ms", "step ms after"], rows);
}
