// OpenAI's non-streamed answers built from a finished job row: `chat.completion` and
// `text_completion` (choices, finish_reason, usage, system_fingerprint null, created in seconds),
// with the completion id derived from the job id so either leads to the other.
import type { JobRow } from "../store/schema/jobs.ts";
import type { OpenAiEndpoint } from "./openai-job-request.ts";

const CHAT_ID_PREFIX = "chatcmpl-";
const TEXT_ID_PREFIX = "cmpl-";

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** `chatcmpl-job_…` / `cmpl-job_…`: the job stays findable from any answer (GET /v1/jobs/:id). */
export function completionId(endpoint: OpenAiEndpoint, jobId: string): string {
  return (endpoint === "/v1/chat/completions" ? CHAT_ID_PREFIX : TEXT_ID_PREFIX) + jobId;
}

/** The job id inside a completion id; undefined for ids genq did not make. */
export function jobIdOfCompletion(id: string): string | undefined {
  if (id.startsWith(CHAT_ID_PREFIX)) return id.slice(CHAT_ID_PREFIX.length);
  if (id.startsWith(TEXT_ID_PREFIX)) return id.slice(TEXT_ID_PREFIX.length);
  return undefined;
}

export function openAiUsage(row: JobRow): OpenAiUsage {
  return { prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens, total_tokens: row.promptTokens + row.completionTokens };
}

/** genq's `length` is OpenAI's; every other ending of a succeeded job (EOS, a stop string, a completed JSON value) is `stop`. */
export function openAiFinishReason(row: JobRow): "stop" | "length" {
  return row.finishReason === "length" ? "length" : "stop";
}

export function createdSeconds(row: JobRow): number {
  return Math.floor(row.createdAt / 1000);
}

/** The answer for a succeeded job (others answer jobOutcomeError(row)). */
export function completionBody(endpoint: OpenAiEndpoint, row: JobRow): Record<string, unknown> {
  const text = row.outputText ?? "";
  const finish_reason = openAiFinishReason(row);
  const common = { id: completionId(endpoint, row.id), created: createdSeconds(row), model: row.model, system_fingerprint: null };
  if (endpoint === "/v1/chat/completions") {
    return {
      ...common,
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason }],
      usage: openAiUsage(row),
    };
  }
  return { ...common, object: "text_completion", choices: [{ index: 0, text, logprobs: null, finish_reason }], usage: openAiUsage(row) };
}
