// Nucleus (top-p) filtering: keeps the smallest set of most-probable tokens whose probability sums
// to ≥ p (always at least one token; ties broken by lower id) and sets the other logits to -Infinity.
import type { LogitsProcessor } from "./logits-processor.ts";

/**
 * Weights are float32 in [0, 1], and for non-negative floats the bit pattern orders like the value.
 * So the nucleus boundary is found by a radix select on the bits, in three digits (12 + 12 + 8
 * bits), in O(vocab) even when the nucleus holds most of a flat 128k vocabulary: no sort at all.
 */
const DIGITS = [
  { shift: 20, mask: 0xfff },
  { shift: 8, mask: 0xfff },
  { shift: 0, mask: 0xff },
] as const;

export class TopPProcessor implements LogitsProcessor {
  private readonly topP: number;
  /** exp(score - max) per token: unnormalised probabilities, float32 [vocabSize]. */
  private weights = new Float32Array(0);
  /** The same memory as `weights`, read as bit patterns. */
  private weightBits = new Uint32Array(0);
  /** Ids still undecided (those sharing the boundary digits so far), in increasing id order. */
  private candidates = new Uint32Array(0);
  /** Mass per digit value; all zero between calls. */
  private readonly digitMass = new Float64Array(0x1000);
  /** Mass of the tokens already known to be inside the nucleus. */
  private massAbove = 0;

  constructor(topP: number) {
    this.topP = topP;
  }

  process(scores: Float32Array): void {
    const vocabSize = scores.length;
    if (this.weights.length !== vocabSize) {
      this.weights = new Float32Array(vocabSize);
      this.weightBits = new Uint32Array(this.weights.buffer);
      this.candidates = new Uint32Array(vocabSize);
    }
    const { weights, candidates } = this;

    let max = -Infinity;
    for (let i = 0; i < vocabSize; i++) if (scores[i] > max) max = scores[i];
    if (max === -Infinity || Number.isNaN(max)) return;
    let total = 0;
    let count = 0;
    for (let i = 0; i < vocabSize; i++) {
      const score = scores[i];
      // After top-k most scores are -Infinity: skip the exp call for them.
      const w = score === -Infinity ? 0 : Math.exp(score - max);
      if (w > 0) {
        weights[i] = w;
        total += weights[i];
        candidates[count++] = i;
      } else {
        // No probability (underflow, -Infinity or NaN): never part of the nucleus.
        weights[i] = 0;
        scores[i] = -Infinity;
      }
    }
    const target = this.topP * total;

    // Each digit splits the candidates into buckets that are wholly inside the nucleus (above the
    // bucket where the running mass reaches p), wholly outside (below it), or still undecided.
    this.massAbove = 0;
    for (const { shift, mask } of DIGITS) {
      if (count <= 1) break;
      count = this.narrow(scores, count, shift, mask, target);
    }

    // The survivors share one exact weight: keep the lowest ids until the nucleus reaches p. The
    // boundary bucket is the one that reaches p, so at least its first survivor is kept.
    let kept = this.massAbove;
    let j = 0;
    while (j < count && kept < target) kept += weights[candidates[j++]];
    for (; j < count; j++) scores[candidates[j]] = -Infinity;
  }

  /** One radix digit: drops candidates below the boundary bucket, keeps only those in it. */
  private narrow(scores: Float32Array, count: number, shift: number, mask: number, target: number): number {
    const { weights, weightBits, candidates, digitMass } = this;
    let lowest = mask;
    let highest = 0;
    for (let j = 0; j < count; j++) {
      const id = candidates[j];
      const digit = (weightBits[id] >>> shift) & mask;
      digitMass[digit] += weights[id];
      if (digit < lowest) lowest = digit;
      if (digit > highest) highest = digit;
    }
    let boundary = -1;
    let lastNonEmpty = -1;
    for (let digit = highest; digit >= lowest; digit--) {
      const mass = digitMass[digit];
      if (mass === 0) continue;
      if (this.massAbove + mass >= target) {
        boundary = digit;
        break;
      }
      this.massAbove += mass;
      lastNonEmpty = digit;
    }
    if (boundary === -1) {
      // Rounding (p ≈ 1) ran out of mass before reaching p: the last non-empty bucket is the boundary.
      boundary = lastNonEmpty;
      this.massAbove -= digitMass[lastNonEmpty];
    }
    let kept = 0;
    for (let j = 0; j < count; j++) {
      const id = candidates[j];
      const digit = (weightBits[id] >>> shift) & mask;
      // Clearing only the touched buckets keeps small vocabularies from paying for a 4096-entry fill.
      digitMass[digit] = 0;
      if (digit === boundary) candidates[kept++] = id;
      else if (digit < boundary) scores[id] = -Infinity;
    }
    return kept;
  }
}
