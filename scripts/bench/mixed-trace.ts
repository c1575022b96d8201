// The mixed workload's trace: seeded Poisson arrivals, long-tailed (log-normal, clamped) prompt and
// output lengths, mixed priorities. Prompts are corpus text, so transformers.js can re-tokenize them.
import type { ModelCard } from "../../shared/models/model-card.ts";
import { BPE_CORPUS } from "../model-builder/bpe-corpus.ts";
import { SeededRandom } from "../model-builder/seeded-random.ts";

export interface TraceShape {
  requests: number;
  /** Log-normal median and sigma of the prompt length, clamped to [min, max] tokens. */
  prompt: { median: number; sigma: number; min: number; max: number };
  output: { median: number; sigma: number; min: number; max: number };
  /** Share of requests per priority (0 interactive .. 8 batch); the rest get 5. */
  priorities: Array<{ priority: number; share: number }>;
  seed: number;
}

export interface TraceRequest {
  index: number;
  /** Offset from the start of the run, for a rate of 1 request/s (scaled per rate). */
  arrivalAtUnitRate: number;
  promptIds: number[];
  text: string;
  outputTokens: number;
  priority: number;
}

function logNormal(next: () => number, shape: TraceShape["prompt"]): number {
  const u = Math.max(next(), 1e-12);
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  return Math.round(Math.min(shape.max, Math.max(shape.min, shape.median * Math.exp(shape.sigma * normal))));
}

/** Corpus words from `start` whose encoding is `tokens` long (within a word), found by bisection. */
function promptOfLength(card: ModelCard, words: string[], start: number, tokens: number): { ids: number[]; text: string } {
  const textOf = (n: number) => Array.from({ length: n }, (_, i) => words[(start + i) % words.length]).join(" ");
  let lo = 1;
  let hi = tokens;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (card.encode(textOf(mid), true).length >= tokens) hi = mid;
    else lo = mid + 1;
  }
  const text = textOf(lo);
  return { ids: card.encode(text, true), text };
}

export function mixedTrace(card: ModelCard, shape: TraceShape): TraceRequest[] {
  const random = new SeededRandom(shape.seed, "mixed-trace");
  const next = () => random.uniform();
  const words = BPE_CORPUS.split(/\s+/).filter((w) => w.length > 0);
  let at = 0;
  return Array.from({ length: shape.requests }, (_, index) => {
    // Exponential inter-arrival times at 1 request/s: a Poisson process.
    if (index > 0) at += -Math.log(Math.max(next(), 1e-12));
    const promptTokens = logNormal(next, shape.prompt);
    const outputTokens = logNormal(next, shape.output);
    let pick = next();
    let priority = 5;
    for (const p of shape.priorities) {
      if (pick < p.share) {
        priority = p.priority;
        break;
      }
      pick -= p.share;
    }
    const { ids, text } = promptOfLength(card, words, Math.floor(next() * words.length), promptTokens);
    return { index, arrivalAtUnitRate: at, promptIds: ids, text, outputTokens, priority };
  });
}
