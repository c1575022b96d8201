// Picks one sequence's next token from its logits row: greedy argmax fast path, or the processor
// chain (repetition penalty → temperature → top-k → top-p) and a draw from the sequence's own RNG.
import type { LogitsProcessor } from "./logits-processor.ts";
import { RepetitionPenaltyProcessor } from "./repetition-penalty-processor.ts";
import type { SamplingParams } from "./sampling-params.ts";
import { SeededRng } from "./seeded-rng.ts";
import { TemperatureProcessor } from "./temperature-processor.ts";
import { TopKProcessor } from "./top-k-processor.ts";
import { TopPProcessor } from "./top-p-processor.ts";

export class TokenSampler {
  readonly greedy: boolean;
  private readonly vocabSize: number;
  /** Applied in order; the same order as transformers' processors followed by its warpers. */
  private readonly processors: LogitsProcessor[] = [];
  private readonly rng: SeededRng | undefined;
  /** Reused working copy of the logits row, float32 [vocabSize]; allocated on first need. */
  private scratch: Float32Array | undefined;

  constructor(params: SamplingParams, vocabSize: number) {
    if (!Number.isInteger(vocabSize) || vocabSize < 1) {
      throw new RangeError(`vocabSize must be a positive integer, got ${vocabSize}`);
    }
    const { temperature, topK, topP, repetitionPenalty, seed } = params;
    if (!(temperature >= 0) || !Number.isFinite(temperature)) {
      throw new RangeError(`temperature must be a finite number ≥ 0, got ${temperature}`);
    }
    // The engine's input boundary (the API's request schema decides the user-facing bounds):
    // checked once here, so processors take their arguments as given and a bad request fails
    // whatever its temperature.
    if (repetitionPenalty !== undefined && (!(repetitionPenalty > 0) || !Number.isFinite(repetitionPenalty))) {
      throw new RangeError(`repetition penalty must be a finite number > 0, got ${repetitionPenalty}`);
    }
    if (topK !== undefined && (!Number.isInteger(topK) || topK < 0)) {
      throw new RangeError(`top-k must be an integer ≥ 0, got ${topK}`);
    }
    if (topP !== undefined && !(topP > 0 && topP <= 1)) {
      throw new RangeError(`top-p must be in (0, 1], got ${topP}`);
    }
    if (seed !== undefined && !Number.isSafeInteger(seed)) {
      throw new RangeError(`seed must be a safe integer, got ${seed}`);
    }
    this.vocabSize = vocabSize;
    this.greedy = temperature === 0;

    if (repetitionPenalty !== undefined && repetitionPenalty !== 1) {
      this.processors.push(new RepetitionPenaltyProcessor(repetitionPenalty, vocabSize));
    }
    if (this.greedy) {
      // Temperature, top-k and top-p never change which token has the highest logit.
      this.rng = undefined;
      return;
    }
    if (temperature !== 1) this.processors.push(new TemperatureProcessor(temperature));
    if (topK !== undefined && topK > 0 && topK < vocabSize) this.processors.push(new TopKProcessor(topK));
    if (topP !== undefined && topP !== 1) this.processors.push(new TopPProcessor(topP));
    this.rng = new SeededRng(seed);
  }

  /**
   * @param logits float32 [vocabSize]: the model's last-position row for this sequence, often a
   *   subarray view into the batched output; read only, never modified.
   * @param previousIds the sequence's prompt + generated ids (for the repetition penalty).
   * @param allowed optional bitset over token ids [ceil(vocabSize / 32)] (a grammar's mask): only
   *   these may be chosen; it applies before every other processor, as in vLLM and transformers.
   * @returns the chosen token id.
   */
  sample(logits: Float32Array, previousIds: ArrayLike<number>, allowed?: Uint32Array): number {
    if (logits.length !== this.vocabSize) {
      throw new RangeError(`logits row has ${logits.length} entries, expected vocab size ${this.vocabSize}`);
    }
    if (allowed && this.processors.length === 0 && this.rng === undefined) return maskedArgmax(logits, allowed);
    let scores = logits;
    if (this.processors.length > 0 || allowed) {
      scores = this.scratch ??= new Float32Array(this.vocabSize);
      scores.set(logits);
      if (allowed) applyMask(scores, allowed);
      for (let i = 0; i < this.processors.length; i++) this.processors[i].process(scores, previousIds);
    }
    if (this.rng === undefined) return allowed ? maskedArgmax(scores, allowed) : argmax(scores);
    const id = this.draw(scores, this.rng);
    // Nothing to sample from (every score -Infinity or NaN, or a +Infinity logit): be defined.
    if (id >= 0) return id;
    return allowed ? maskedArgmax(logits, allowed) : argmax(logits);
  }

  /** Softmax (max-subtracted, so large logits cannot overflow) and an inverse-CDF draw; -1 if no mass. */
  private draw(scores: Float32Array, rng: SeededRng): number {
    const n = scores.length;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (scores[i] > max) max = scores[i];
    // Write the weights to the scratch (which may be `scores` itself) so exp runs once per token.
    const weights = (this.scratch ??= new Float32Array(this.vocabSize));
    let total = 0;
    for (let i = 0; i < n; i++) {
      const score = scores[i];
      // Top-k/top-p leave most of the row at -Infinity; skipping exp there is a 3x saving.
      if (score === -Infinity) {
        weights[i] = 0;
        continue;
      }
      const w = Math.exp(score - max);
      // `w > 0` is false for NaN, so a NaN logit gets no mass instead of poisoning the total.
      weights[i] = w > 0 ? w : 0;
      total += weights[i];
    }
    if (!(total > 0)) return -1;

    const target = rng.nextFloat() * total;
    let cumulative = 0;
    let lastPositive = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i];
      if (w > 0) {
        cumulative += w;
        if (target < cumulative) return i;
        lastPositive = i;
      }
    }
    // Rounding can leave target ≥ the running sum at the very end; the last live token owns that sliver.
    return lastPositive;
  }
}

/** Index of the largest value; ties go to the lowest id; NaN never wins. No allocation. */
function argmax(values: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  // Length and element read hoisted: on a subarray view V8 otherwise re-reads both per element
  // (measured 52 -> 33 µs per 32k-vocab row).
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  }
  return best;
}

/** Sets every score outside the bitset to -Infinity. */
function applyMask(scores: Float32Array, allowed: Uint32Array): void {
  const n = scores.length;
  for (let word = 0; word < allowed.length; word++) {
    const bits = allowed[word];
    if (bits === 0xffffffff) continue;
    const end = Math.min(n, (word + 1) * 32);
    for (let i = word * 32; i < end; i++) if ((bits & (1 << (i & 31))) === 0) scores[i] = -Infinity;
  }
}

/** argmax over the ids in the bitset (ties: lowest id; NaN never wins); the first allowed id if all are -Infinity. */
function maskedArgmax(values: Float32Array, allowed: Uint32Array): number {
  let best = -1;
  let firstAllowed = -1;
  let bestValue = -Infinity;
  const n = values.length;
  for (let word = 0; word < allowed.length; word++) {
    let bits = allowed[word];
    while (bits !== 0) {
      const bit = 31 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      const i = word * 32 + bit;
      if (i >= n) break;
      if (firstAllowed < 0) firstAllowed = i;
      const value = values[i];
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
  }
  return best >= 0 ? best : Math.max(0, firstAllowed);
}
