// Checks a request against the model before it is queued: token ids inside the vocabulary, prompt +
// max_tokens within the context and within what the KV cache can ever hold.
import type { ModelCard } from "../../shared/models/model-card.ts";
import type { GenerationRequest } from "./generation.ts";

export interface RequestProblem {
  code: "INVALID_TOKEN" | "CONTEXT_LENGTH_EXCEEDED" | "ENGINE_ERROR";
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
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    return { code: "ENGINE_ERROR", message: `invalid request: max_tokens must be an integer ≥ 1, got ${maxTokens}` };
  }
  const total = promptIds.length + maxTokens;
  if (total > card.contextLength) {
    return {
      code: "CONTEXT_LENGTH_EXCEEDED",
      message: `prompt (${promptIds.length} tokens) + max_tokens (${maxTokens}) = ${total} exceeds the context length of ${card.name} (${card.contextLength})`,
    };
  }
  if (total > maxKvTokens) {
    return {
      code: "CONTEXT_LENGTH_EXCEEDED",
      message: `prompt (${promptIds.length} tokens) + max_tokens (${maxTokens}) = ${total} exceeds this worker's KV cache (${maxKvTokens} tokens)`,
    };
  }
  return null;
}
