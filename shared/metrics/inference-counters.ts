// Process-wide inference counters (Prometheus counters): workers in this process report their inference
// threads' running totals; /metrics renders the sums. The one home for these names and their help text.

export interface InferenceTotals {
  /** Prompt tokens of every sequence admitted. */
  promptTokensTotal: number;
  /** Prompt tokens whose KV came from the prefix cache instead of being computed. */
  prefixCacheHitTokensTotal: number;
}

const METRICS: Array<{ name: string; help: string; field: keyof InferenceTotals }> = [
  { name: "genq_prompt_tokens_total", help: "Prompt tokens admitted by this process's workers.", field: "promptTokensTotal" },
  { name: "genq_prefix_cache_hit_tokens_total", help: "Prompt tokens whose KV came from the prefix cache.", field: "prefixCacheHitTokensTotal" },
];

class InferenceCounters {
  /** Latest totals per reporting inference thread; kept after it stops so counters never go down. */
  private readonly bySource = new Map<object, InferenceTotals>();

  report(source: object, totals: InferenceTotals): void {
    this.bySource.set(source, { promptTokensTotal: totals.promptTokensTotal, prefixCacheHitTokensTotal: totals.prefixCacheHitTokensTotal });
  }

  totals(): InferenceTotals {
    const sum: InferenceTotals = { promptTokensTotal: 0, prefixCacheHitTokensTotal: 0 };
    for (const t of this.bySource.values()) {
      sum.promptTokensTotal += t.promptTokensTotal;
      sum.prefixCacheHitTokensTotal += t.prefixCacheHitTokensTotal;
    }
    return sum;
  }

  /** Prometheus text lines (HELP, TYPE, value) for every counter. */
  render(): string[] {
    const totals = this.totals();
    return METRICS.flatMap((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} counter`, `${m.name} ${totals[m.field]}`]);
  }
}

export const inferenceCounters = new InferenceCounters();
