// Temperature scaling: divides every logit by T, so T < 1 sharpens the distribution and T > 1
// flattens it. Greedy (T = 0) never reaches this processor: TokenSampler takes the argmax instead.
import type { LogitsProcessor } from "./logits-processor.ts";

export class TemperatureProcessor implements LogitsProcessor {
  private readonly inverseTemperature: number;

  constructor(temperature: number) {
    // One multiply per logit is cheaper than a divide over a 32k–128k vocab.
    this.inverseTemperature = 1 / temperature;
  }

  process(scores: Float32Array): void {
    const scale = this.inverseTemperature;
    for (let i = 0; i < scores.length; i++) scores[i] *= scale;
  }
}
