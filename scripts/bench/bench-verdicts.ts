// The issue's targets checked on one run's numbers: genq vs the naive server, the raw forward pass
// and transformers.js batched; plus how often greedy outputs agree across systems.
import type { SystemResult } from "./bench-table.ts";

export interface Verdict {
  target: string;
  concurrency: number;
  ratio: number;
  threshold: number;
  met: boolean;
  /** For the speed-up over one-at-a-time: the same ratio for the raw forward pass (raw@N / raw@1), its ceiling. */
  ceiling?: number;
}

function level(systems: SystemResult[], id: string, concurrency: number) {
  return systems.find((s) => s.id === id)?.levels.find((l) => l.concurrency === concurrency);
}

export function verdicts(systems: SystemResult[]): Verdict[] {
  const out: Verdict[] = [];
  const genq = systems.find((s) => s.id === "genq");
  if (!genq) return out;
  for (const g of genq.levels) {
    const n = g.concurrency;
    const naive = level(systems, "naive", n);
    if (naive && n >= 16) {
      const ratio = g.tokensPerSecond / naive.tokensPerSecond;
      const raw = level(systems, "ort-raw", n);
      const raw1 = level(systems, "ort-raw", 1);
      const ceiling = raw && raw1 ? raw.tokensPerSecond / raw1.tokensPerSecond : undefined;
      out.push({ target: "genq tok/s ≥ 5× one-at-a-time", concurrency: n, ratio, threshold: 5, met: ratio >= 5, ceiling });
    }
    const raw = level(systems, "ort-raw", n);
    if (raw) {
      const ratio = g.tokensPerSecond / raw.tokensPerSecond;
      out.push({ target: "genq tok/s ≥ 90% of raw forward", concurrency: n, ratio, threshold: 0.9, met: ratio >= 0.9 });
    }
    const tjs = level(systems, "tjs-batch", n);
    if (tjs) {
      const ratio = g.tokensPerSecond / tjs.tokensPerSecond;
      out.push({ target: "genq tok/s ≥ transformers.js batched", concurrency: n, ratio, threshold: 1, met: ratio >= 1 });
      const p95 = g.latencyP95Ms / tjs.latencyP95Ms;
      out.push({ target: "genq p95 latency < transformers.js batched", concurrency: n, ratio: p95, threshold: 1, met: p95 < 1 });
    }
  }
  return out;
}

export function verdictLines(list: Verdict[]): string {
  return list
    .map(
      (v) =>
        `${v.met ? "MET   " : "MISSED"} ${v.target.padEnd(44)} @${String(v.concurrency).padStart(2)}: ${v.ratio.toFixed(2)} ` +
        `(threshold ${v.threshold}${v.ceiling === undefined ? "" : `; raw forward @${v.concurrency} / @1 = ${v.ceiling.toFixed(2)}`})`,
    )
    .join("\n");
}

/** Texts per system: key = "concurrency/wave/prompt index". */
export type OutputTexts = Map<string, Map<string, string>>;

/** Share of requests whose greedy text equals the naive server's, per other system. */
export function outputAgreement(texts: OutputTexts): Record<string, { same: number; compared: number }> {
  const reference = texts.get("naive");
  const result: Record<string, { same: number; compared: number }> = {};
  if (!reference) return result;
  for (const [id, byKey] of texts) {
    if (id === "naive") continue;
    let same = 0;
    let compared = 0;
    for (const [key, text] of byKey) {
      const expected = reference.get(key);
      if (expected === undefined) continue;
      compared++;
      if (expected === text) same++;
    }
    result[id] = { same, compared };
  }
  return result;
}
