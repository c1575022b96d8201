// The one context decision: prompt + max_tokens must fit the model's context. The API refuses
// with it at submit (400 CONTEXT_LENGTH_EXCEEDED); the engine applies the same rule to what it is
// handed, next to the one check only a worker can make (its KV capacity).

/** Why the request cannot fit, or null when it does. */
export function contextOverflow(model: { name: string; contextLength: number }, promptTokens: number, maxTokens: number): string | null {
  if (promptTokens + maxTokens <= model.contextLength) return null;
  return `prompt (${promptTokens} tokens) + max_tokens (${maxTokens}) = ${promptTokens + maxTokens} exceeds the context length of ${model.name} (${model.contextLength})`;
}
