// Repetition penalty with Hugging Face semantics (CTRL paper): every id already seen in the prompt
// or the output gets its logit divided by the penalty when positive, multiplied when negative.
import type { LogitsProcessor } from "./logits-processor.ts";

export class RepetitionPenaltyProcessor implements LogitsProcessor {
  private readonly penalty: number;
  /** seenEpoch[id] === epoch marks ids already penalised in this call (each id once, like HF's gather/scatter). */
  private readonly seenEpoch: Uint32Array;
  private epoch = 0;

  constructor(penalty: number, vocabSize: number) {
    this.penalty = penalty;
    this.seenEpoch = new Uint32Array(vocabSize);
  }

  process(scores: Float32Array, previousIds: ArrayLike<number>): void {
    // An epoch counter instead of clearing a vocab-sized mask each token keeps this O(previousIds).
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      this.seenEpoch.fill(0);
      this.epoch = 1;
    }
    const { penalty, seenEpoch, epoch } = this;
    const vocabSize = scores.length;
    for (let i = 0; i < previousIds.length; i++) {
      const id = previousIds[i];
      if (!(id >= 0 && id < vocabSize) || seenEpoch[id] === epoch) continue;
      seenEpoch[id] = epoch;
      const score = scores[id];
      scores[id] = score < 0 ? score * penalty : score / penalty;
    }
  }
}
