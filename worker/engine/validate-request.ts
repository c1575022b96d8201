// Checks a request against the loaded model before it is queued: token ids inside the
// vocabulary, the shared context rule (shared/models/context-check.ts), and what only this worker
// knows: whether its KV cache can ever hold the sequence. Field bounds were decided at submit.
import type { GenerationErrorCode } from "../../shared/errors.ts";
import { contextOverflow } from "../../shared/models/context-check.ts";
import type { ModelCard } from "../../shared/models/model-card.ts";
import type { GenerationRequest } from "./generation.ts";

export interface RequestProblem {
  code: GenerationErrorCode;
  message: string;
}

export function validateRequest(request: GenerationRequest, card: ModelCard, maxKvTokens: number): RequestProblem | null {
  const { promptIds, maxTokens } = request;
  if (promptIds.length === 0) return { code: "INVALID_TOKEN", message: "the prompt has no tokens" };
  for (let i = 0; i < promptIds.length; i++) {
    const id = promptIds[i];
    if (!Number.isInteger(id) || id < 0 || id >= card.vocabSize) {
      return {
        code: "INVALID_TOKEN",
        message: `prompt token ${i} has id ${id}, outside the vocabulary of ${card.name} (0..${card.vocabSize - 1})`,
      };
    }
  }
  const overflow = contextOverflow(card, promptIds.length, maxTokens);
  if (overflow) return { code: "CONTEXT_LENGTH_EXCEEDED", message: overflow };
  const total = promptIds.length + maxTokens;
  if (total > maxKvTokens) {
    return {
      code: "CONTEXT_LENGTH_EXCEEDED",
      message: `prompt (${promptIds.length} tokens) + max_tokens (${maxTokens}) = ${total} exceeds this worker's KV cache (${maxKvTokens} tokens)`,
    };
  }
  return null;
}
