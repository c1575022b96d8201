// Errors on OpenAI's paths (/v1/chat/completions, /v1/completions, /v1/models, /v1/files,
// /v1/batches) leave in OpenAI's shape so OpenAI clients can show them; the mapping itself is
// shared/openai/openai-error.ts. Every other path keeps problem+json.
import type { Context } from "hono";
import type { GenqError } from "../../shared/errors.ts";
import { openAiError } from "../../shared/openai/openai-error.ts";

const OPENAI_PATH = /^\/v1\/(?:chat\/completions|completions|models|files|batches)(?:\/|$)/;

export function isOpenAiPath(path: string): boolean {
  return OPENAI_PATH.test(path);
}

/** `paramNames` renames genq fields to the OpenAI parameters the caller sent (max_tokens ← max_completion_tokens). */
export function openAiErrorResponse(c: Context, error: GenqError, paramNames: Record<string, string> = {}): Response {
  const { status, body, retryable } = openAiError(error, paramNames);
  const headers: Record<string, string> = { "content-type": "application/json", "x-should-retry": String(retryable) };
  if (error.extras.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.extras.retryAfterSeconds);
  if (status === 401) headers["www-authenticate"] = 'Bearer realm="genq"';
  return c.body(JSON.stringify(body), status as 400, headers);
}
