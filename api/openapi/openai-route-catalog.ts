// The OpenAI-compatible routes' entries of the route catalog (route-catalog.ts says how to add one):
// OpenAI's request schemas as the routes validate with them, OpenAI-shaped answers and errors.
import { openAiRequestSchema } from "../../shared/openai/openai-job-request.ts";
import type { ErrorCode } from "../../shared/errors.ts";
import type { RouteDoc } from "./route-doc.ts";

/** What admission (api/routes/jobs/submit-job.ts) refuses, and how a finished job without a completion answers. */
const COMPLETION_ERRORS: ErrorCode[] = [
  "UNKNOWN_MODEL", "CONTEXT_LENGTH_EXCEEDED", "UNSUPPORTED_SCHEMA", "CHAT_TEMPLATE_ERROR", "INVALID_TOKEN",
  "IDEMPOTENCY_KEY_REUSED", "QUOTA_EXCEEDED", "TOO_MANY_WAITERS",
  "JOB_CANCELED", "ENGINE_ERROR", "POISON_JOB", "QUEUE_TIMEOUT", "RUN_TIMEOUT",
];
const idempotencyKey = { name: "Idempotency-Key", description: "as on POST /v1/jobs: a retry with the same key and body answers with the same job", schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,255}$" } };
const streamed = "with `stream: true`: `chunk` objects as SSE `data:` lines, then `data: [DONE]`";

export function openAiRouteCatalog(): RouteDoc[] {
  return [
    {
      method: "post", path: "/v1/chat/completions", operationId: "createChatCompletion", tag: "openai", auth: "api_key",
      summary: "OpenAI-compatible chat completion (a job like any other; waits for it)",
      description: "The request is admitted as a job (same queue, tenancy and limits as POST /v1/jobs; priority 1 unless sent) and answered when it finishes. A client that disconnects cancels its job. `x-request-id` is the job id.",
      headerParams: [idempotencyKey],
      body: openAiRequestSchema("/v1/chat/completions"),
      responses: { 200: { description: `the completion; ${streamed}`, schema: { ref: "ChatCompletion" }, eventStream: true, headers: { "x-request-id": "the job id" } } },
      errors: COMPLETION_ERRORS,
    },
    {
      method: "post", path: "/v1/completions", operationId: "createCompletion", tag: "openai", auth: "api_key",
      summary: "OpenAI-compatible (legacy) text completion (a job like any other; waits for it)",
      headerParams: [idempotencyKey],
      body: openAiRequestSchema("/v1/completions"),
      responses: { 200: { description: `the completion; ${streamed}`, schema: { ref: "TextCompletion" }, eventStream: true, headers: { "x-request-id": "the job id" } } },
      errors: COMPLETION_ERRORS,
    },
    {
      method: "get", path: "/v1/models", operationId: "listModels", tag: "openai", auth: "api_key",
      summary: "The served models (GENQ_MODELS) as OpenAI model objects",
      responses: { 200: { description: "the models", schema: { ref: "OpenAiModelList" } } },
      errors: [],
    },
    {
      method: "get", path: "/v1/models/:id", operationId: "getModel", tag: "openai", auth: "api_key",
      summary: "One served model",
      pathParams: { id: { description: "a model name from GENQ_MODELS", schema: { type: "string" } } },
      responses: { 200: { description: "the model", schema: { ref: "OpenAiModel" } } },
      errors: ["UNKNOWN_MODEL"],
    },
  ];
}
