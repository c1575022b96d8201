// Turns the waves one system served at one concurrency into the reported numbers: generated
// tokens per second of wall time, TTFT p50, request latency p50 / p95.
import type { WaveResult } from "./bench-types.ts";
import { percentile } from "./percentile.ts";

export interface ConcurrencySummary {
  concurrency: number;
  requests: number;
  waves: number;
  generatedTokens: number;
  wallMs: number;
  tokensPerSecond: number;
  ttftP50Ms: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
}

export function summarize(concurrency: number, waves: WaveResult[]): ConcurrencySummary {
  const requests = waves.flatMap((w) => w.requests);
  const generatedTokens = requests.reduce((n, r) => n + r.tokens, 0);
  const wallMs = waves.reduce((n, w) => n + w.wallMs, 0);
  return {
    concurrency,
    requests: requests.length,
    waves: waves.length,
    generatedTokens,
    wallMs,
    tokensPerSecond: (generatedTokens / wallMs) * 1000,
    ttftP50Ms: percentile(requests.map((r) => r.ttftMs), 50),
    latencyP50Ms: percentile(requests.map((r) => r.latencyMs), 50),
    latencyP95Ms: percentile(requests.map((r) => r.latencyMs), 95),
  };
}
