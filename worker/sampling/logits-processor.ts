// The contract of one step in the sampling chain (transformers.js style): each processor rewrites
// a sequence's next-token scores in place, and TokenSampler runs them in order.
export interface LogitsProcessor {
  /**
   * @param scores float32 [vocabSize] for one sequence; a scratch copy the processor may overwrite.
   * @param previousIds the sequence's token ids so far (prompt + generated).
   */
  process(scores: Float32Array, previousIds: ArrayLike<number>): void;
}
