// The request fields /v1/chat/completions and /v1/completions share (OpenAI's names and ranges),
// genq's extension fields, and the OpenAI fields genq accepts only at their no-op value. genq's
// own bounds (prompt size, max_tokens ceiling, stop count) are checked after translation by the
// POST /v1/jobs schema, so they are written once.
import { z } from "zod";
import { PRIORITY_ALIASES } from "../jobs.ts";
import { responseFormatSchema } from "../structured-output/response-format.ts";

/**
 * OpenAI requests are someone waiting on an answer: they default to priority 1 (DESIGN's "high"),
 * ahead of POST /v1/jobs' default 5 and batch lines. The extension field `priority` overrides it.
 */
export const OPENAI_DEFAULT_PRIORITY = PRIORITY_ALIASES.high;

/** An OpenAI field genq does not implement: absent, null or its no-op value pass; anything else is refused naming it. */
function onlyNoOp(isNoOp: (value: unknown) => boolean, refusal: string) {
  return z
    .unknown()
    .refine((value) => value === undefined || value === null || isNoOp(value), refusal)
    .optional();
}

/** Accepted and ignored: they change nothing genq could honour (routing, storage, tracing hints). */
const ignored = z.unknown().optional();

const isEmptyList = (v: unknown) => Array.isArray(v) && v.length === 0;
const isEmptyObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

export const sharedRequestFields = {
  /** Optional (genq extension): the default model when left out. */
  model: z.string().min(1).optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1))]).nullable().optional(),
  /** Kept in the job's metadata as `user`. */
  user: z.string().max(256).optional(),
  n: z
    .number()
    .int()
    .min(1)
    .max(1, "n > 1 is not supported: genq returns one choice per request; send n=1 (or several requests)")
    .nullable()
    .optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z
    .strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
    .nullable()
    .optional(),
  response_format: responseFormatSchema.nullable().optional(),
  /** Up to 16 string pairs (OpenAI's rule); stored as the job's metadata. */
  metadata: z
    .record(z.string().max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 16, "must have at most 16 keys")
    .nullable()
    .optional(),
  frequency_penalty: onlyNoOp((v) => v === 0, "frequency_penalty is not supported (only 0); use repetition_penalty (genq extension)"),
  presence_penalty: onlyNoOp((v) => v === 0, "presence_penalty is not supported (only 0); use repetition_penalty (genq extension)"),
  logit_bias: onlyNoOp(isEmptyObject, "logit_bias is not supported"),
  service_tier: ignored,
  store: ignored,
  // genq extensions (vLLM's names): sampling controls OpenAI lacks, and the job priority.
  priority: z.union([z.number().int().min(0).max(9), z.enum(["high", "normal", "low"])]).optional(),
  top_k: z.number().int().optional(),
  repetition_penalty: z.number().optional(),
  ignore_eos: z.boolean().optional(),
};

/** Chat-only OpenAI fields genq accepts only when they ask for nothing. */
export const chatNoOpFields = {
  logprobs: onlyNoOp((v) => v === false, "logprobs are not supported"),
  top_logprobs: onlyNoOp((v) => v === 0, "top_logprobs are not supported"),
  tools: onlyNoOp(isEmptyList, "tools are not supported: genq has no tool calling"),
  tool_choice: onlyNoOp((v) => v === "none" || v === "auto", "tool_choice is not supported: genq has no tool calling"),
  parallel_tool_calls: ignored,
  functions: onlyNoOp(isEmptyList, "functions are not supported: genq has no tool calling"),
  function_call: onlyNoOp((v) => v === "none" || v === "auto", "function_call is not supported: genq has no tool calling"),
  modalities: onlyNoOp((v) => Array.isArray(v) && v.every((m) => m === "text"), 'only the "text" modality is supported'),
  audio: onlyNoOp(() => false, "audio output is not supported"),
  prediction: onlyNoOp(() => false, "predicted outputs are not supported"),
  web_search_options: onlyNoOp(() => false, "web search is not supported"),
  reasoning_effort: ignored,
  verbosity: ignored,
  prompt_cache_key: ignored,
  safety_identifier: ignored,
};

/** Completions-only OpenAI fields genq accepts only when they ask for nothing. */
export const completionNoOpFields = {
  logprobs: onlyNoOp((v) => v === 0, "logprobs are not supported"),
  echo: onlyNoOp((v) => v === false, "echo is not supported"),
  best_of: onlyNoOp((v) => v === 1, "best_of > 1 is not supported"),
  suffix: onlyNoOp((v) => v === "", "suffix is not supported"),
};
