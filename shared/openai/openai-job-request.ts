// Turns a validated OpenAI request body into genq's POST /v1/jobs body, so OpenAI requests (and
// batch lines) are admitted by the very same schema, limits and submit path as any job. Pure:
// the caller validates the result with createJobRequestSchema(limits).
import type { z } from "zod";
import { chatCompletionRequestSchema, type ChatCompletionRequest } from "./chat-completion-request.ts";
import { completionRequestSchema, type CompletionRequest } from "./completion-request.ts";
import { OPENAI_DEFAULT_PRIORITY } from "./openai-request-fields.ts";

export const OPENAI_ENDPOINTS = ["/v1/chat/completions", "/v1/completions"] as const;
export type OpenAiEndpoint = (typeof OPENAI_ENDPOINTS)[number];

export interface OpenAiJobRequest {
  endpoint: OpenAiEndpoint;
  /** A POST /v1/jobs body, not yet checked against this server's limits. */
  job: Record<string, unknown>;
  stream: boolean;
  /** stream_options.include_usage: a last chunk carries usage (and every other chunk `usage: null`). */
  includeUsage: boolean;
  /** genq field name → the OpenAI parameter the caller sent, for an error's `param`. */
  paramNames: Record<string, string>;
}

/** The OpenAI schema of an endpoint's body; its zod errors name OpenAI's parameters. */
export function openAiRequestSchema(endpoint: OpenAiEndpoint): z.ZodType<ChatCompletionRequest | CompletionRequest> {
  return endpoint === "/v1/chat/completions" ? chatCompletionRequestSchema : completionRequestSchema;
}

export interface JobRequestDefaults {
  /** Priority when the body names none (default OPENAI_DEFAULT_PRIORITY; batch lines run lower). */
  priority?: number;
}

/** `body` must have passed openAiRequestSchema(endpoint). */
export function toJobRequest(endpoint: OpenAiEndpoint, body: ChatCompletionRequest | CompletionRequest, defaults: JobRequestDefaults = {}): OpenAiJobRequest {
  const paramNames: Record<string, string> = {};
  let input: Record<string, unknown>;
  let maxTokens = body.max_tokens;
  if ("messages" in body) {
    input = {
      messages: body.messages.map((m) => ({
        // OpenAI's developer role replaces system for newer models; chat templates know only system.
        role: m.role === "developer" ? "system" : m.role,
        content: typeof m.content === "string" ? m.content : m.content.map((part) => part.text).join("\n"),
      })),
    };
    if (body.max_completion_tokens != null) {
      maxTokens = body.max_completion_tokens;
      paramNames.max_tokens = "max_completion_tokens";
    }
  } else {
    input = { prompt: typeof body.prompt === "string" ? body.prompt : body.prompt[0] };
  }
  const metadata = { ...(body.metadata ?? {}), ...(body.user !== undefined ? { user: body.user } : {}) };
  const job: Record<string, unknown> = {
    model: body.model,
    ...input,
    max_tokens: maxTokens ?? undefined,
    temperature: body.temperature ?? undefined,
    top_p: body.top_p ?? undefined,
    top_k: body.top_k,
    repetition_penalty: body.repetition_penalty,
    seed: body.seed ?? undefined,
    stop: body.stop == null ? undefined : typeof body.stop === "string" ? [body.stop] : body.stop,
    ignore_eos: body.ignore_eos,
    response_format: body.response_format ?? undefined,
    priority: body.priority ?? defaults.priority ?? OPENAI_DEFAULT_PRIORITY,
    metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
  };
  for (const key of Object.keys(job)) if (job[key] === undefined) delete job[key];
  return {
    endpoint,
    job,
    stream: body.stream === true,
    includeUsage: body.stream === true && body.stream_options?.include_usage === true,
    paramNames,
  };
}
