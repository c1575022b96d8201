// Per-request sampling settings, as the engine hands them to a TokenSampler. Plain data so they
// cross the worker_threads boundary by structured clone.
export interface SamplingParams {
  /** Softmax temperature; 0 = greedy (argmax). */
  temperature: number;
  /** Keep only the k highest-scoring tokens; 0 or undefined = off. */
  topK?: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability sums to ≥ topP; 1 or undefined = off. */
  topP?: number;
  /** HF-style repetition penalty over prompt + generated ids; 1 or undefined = off. */
  repetitionPenalty?: number;
  /** RNG seed for reproducible sampling; undefined = seeded from crypto randomness. */
  seed?: number;
}
