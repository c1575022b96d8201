// The GenerationRequest every genq-engine system gets for a bench request: greedy, EOS ignored,
// exactly `tokens` new tokens, default priority.
import type { GenerationRequest } from "../../worker/engine/generation.ts";
import { BENCH_MODEL_NAME } from "./bench-model.ts";
import type { BenchRequest } from "./bench-types.ts";

export function generationRequest(id: string, request: BenchRequest, tokens: number): GenerationRequest {
  return {
    id,
    model: BENCH_MODEL_NAME,
    promptIds: request.promptIds,
    maxTokens: tokens,
    sampling: { temperature: 0 },
    stop: [],
    ignoreEos: true,
    priority: 5,
  };
}
