// Invariant 8 at load time: a small batch (3 rows of different lengths, a two-chunk prefill where the
// feeding policy allows it, rows re-packed in another order, a few decode steps) must give each row's
// alone logits. On a mismatch or an error the policy is narrowed (no chunking, then one row per pass);
// a model that fails even alone is refused with one line.
import type { FeedingPolicy } from "./feeding-policy.ts";
import { KvCache } from "./kv-cache.ts";

/** The part of CausalLm the check drives (structural, so causal-lm.ts can call the check). */
interface CheckedModel {
  feeding: FeedingPolicy;
  emptyCache(rows: number): KvCache;
  forward(input: {
    past: KvCache;
    tokenIds: ArrayLike<number>;
    tokenMask: Uint8Array;
    columns: number;
    logits: "last" | "none";
  }): Promise<{ present: KvCache; lastLogits: Float32Array[] | null }>;
}

export class ModelSelfCheckError extends Error {
  override name = "ModelSelfCheckError";
}

export interface SelfCheckReport {
  /** The policy the model runs with. */
  policy: FeedingPolicy;
  /** Each mode tried, in order, with why it was left ("" for the one kept). */
  tried: Array<{ mode: string; problem: string }>;
  /** Wall time of the whole check. */
  ms: number;
  /** One log line. */
  summary: string;
}

const PROMPT_LENGTHS = [7, 3, 5];
const DECODE_STEPS = 3;
/** Largest |batched - alone| logit difference, relative to the row's largest |logit|. */
const RELATIVE_TOLERANCE = 1e-3;

/** Deterministic prompt ids in [3, vocab): ids 0-2 are often pad/bos/eos. */
function checkPrompts(vocabSize: number): number[][] {
  let state = 0x9e3779b9;
  return PROMPT_LENGTHS.map((length) =>
    Array.from({ length }, () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return 3 + (state % Math.max(1, vocabSize - 3));
    }),
  );
}

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** A right-aligned chunk of the prompts (as PrefillGroup builds them): columns [from, to) of the padded width. */
function chunkOf(prompts: number[][], width: number, from: number, to: number) {
  const columns = to - from;
  const tokenIds = new Int32Array(prompts.length * columns);
  const tokenMask = new Uint8Array(prompts.length * columns);
  prompts.forEach((prompt, r) => {
    for (let j = 0; j < columns; j++) {
      const fromEnd = width - (from + j);
      if (fromEnd > prompt.length) continue;
      tokenIds[r * columns + j] = prompt[prompt.length - fromEnd];
      tokenMask[r * columns + j] = 1;
    }
  });
  return { tokenIds, tokenMask, columns };
}

/** Prefill (in two chunks when `split`), then DECODE_STEPS decode passes feeding `forced` ids; logits per step per row. */
async function runRows(lm: CheckedModel, prompts: number[][], split: boolean, forced?: number[][], order?: number[]): Promise<Float32Array[][]> {
  const width = Math.max(...prompts.map((p) => p.length));
  const cut = split && width > 1 ? Math.ceil(width / 2) : width;
  let cache = lm.emptyCache(prompts.length);
  const steps: Float32Array[][] = [];
  for (const [from, to] of cut < width ? [[0, cut], [cut, width]] : [[0, width]]) {
    const last = to === width;
    const out = await lm.forward({ past: cache, ...chunkOf(prompts, width, from, to), logits: last ? "last" : "none" });
    cache = out.present;
    if (last) steps.push(out.lastLogits!.map((l) => l.slice()));
  }
  let rows = prompts.map((_, r) => r);
  if (order) {
    // Re-pack the rows in another order, as merging decode lanes does.
    cache = KvCache.gather(cache.shape, order.map((row) => ({ cache, row })));
    rows = order;
  }
  for (let step = 0; step < DECODE_STEPS; step++) {
    const ids = rows.map((r) => (forced ? forced[r][step] : argmax(steps[step][r])));
    const out = await lm.forward({
      past: cache,
      tokenIds: Int32Array.from(ids),
      tokenMask: new Uint8Array(rows.length).fill(1),
      columns: 1,
      logits: "last",
    });
    cache = out.present;
    const logits: Float32Array[] = [];
    rows.forEach((r, i) => (logits[r] = out.lastLogits![i].slice()));
    steps.push(logits);
  }
  return steps;
}

/** "" when every step's logits of every row agree with alone; else what differs. */
function compare(alone: Float32Array[][], batched: Float32Array[][]): string {
  for (let step = 0; step < alone.length; step++) {
    for (let r = 0; r < alone[step].length; r++) {
      const a = alone[step][r];
      const b = batched[step][r];
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < a.length; i++) {
        scale = Math.max(scale, Math.abs(a[i]));
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
      }
      if (!(diff <= RELATIVE_TOLERANCE * Math.max(scale, 1e-6))) {
        return `row ${r} step ${step}: logits differ from alone by ${diff.toExponential(2)} (greedy ${argmax(a)} alone, ${argmax(b)} batched)`;
      }
    }
  }
  return "";
}

function describe(policy: FeedingPolicy): string {
  if (policy.maxRowsPerPass <= 1) return "one row per pass";
  if (policy.chunkOnCacheRows === Infinity) return "batched, chunked prefill";
  if (policy.chunkOnCacheRows >= 1) return `batched, chunked prefill up to ${policy.chunkOnCacheRows} row(s)`;
  return "batched, prefill in one pass";
}

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}

/** Runs the check and sets lm.feeding to the first mode that holds; throws ModelSelfCheckError if none does. */
export async function runBatchSelfCheck(lm: CheckedModel, vocabSize: number): Promise<SelfCheckReport> {
  const startMs = performance.now();
  const prompts = checkPrompts(vocabSize);
  let alone: Float32Array[][][];
  try {
    alone = [];
    for (const prompt of prompts) alone.push(await runRows(lm, [prompt], false));
  } catch (error) {
    throw new ModelSelfCheckError(`model self-check: a single sequence fails its forward pass: ${errorText(error)}`);
  }
  // Per step, per row (the shape runRows returns for the batch).
  const aloneByStep = alone[0].map((_, step) => alone.map((row) => row[step][0]));
  const forced = alone.map((row) => row.slice(0, DECODE_STEPS).map((logits) => argmax(logits[0])));
  const initial = lm.feeding;
  const candidates: FeedingPolicy[] = [
    initial,
    { ...initial, chunkOnCacheRows: 0, reason: "self-check: chunked prefill differed from alone" },
    { chunkOnCacheRows: 0, maxRowsPerPass: 1, reason: "self-check: batched passes differed from alone" },
  ].filter((p, i, all) => all.findIndex((q) => describe(q) === describe(p)) === i);
  const tried: SelfCheckReport["tried"] = [];
  for (const policy of candidates) {
    let problem = "";
    if (policy.maxRowsPerPass > 1) {
      try {
        const split = policy.chunkOnCacheRows >= prompts.length;
        problem = compare(aloneByStep, await runRows(lm, prompts, split, forced, [2, 0, 1]));
        if (!problem && policy.chunkOnCacheRows >= 1) {
          // Chunks of one row on a cache (what a lone long prompt gets).
          const single = await runRows(lm, [prompts[0]], true, [forced[0]]);
          problem = compare(alone[0], single);
        }
      } catch (error) {
        problem = `error: ${errorText(error)}`;
      }
    }
    tried.push({ mode: describe(policy), problem });
    if (problem) continue;
    lm.feeding = policy;
    const ms = performance.now() - startMs;
    const fellBack = tried.length > 1 ? ` (after: ${tried.slice(0, -1).map((t) => `${t.mode}: ${t.problem}`).join("; ")})` : "";
    return { policy, tried, ms, summary: `self-check ok in ${ms.toFixed(0)} ms: ${describe(policy)} [${policy.reason}]${fellBack}` };
  }
  throw new ModelSelfCheckError(`model self-check failed: ${tried.map((t) => `${t.mode}: ${t.problem}`).join("; ")}`);
}
