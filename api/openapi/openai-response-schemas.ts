// Zod descriptions of the OpenAI-compatible routes' answers (OpenAI's shapes as genq fills them:
// shared/openai/openai-completion.ts, api/routes/models, api/routes/files, api/routes/batches) and
// of OpenAI's error body, for the OpenAPI document's components; real answers are validated
// against them in the document's test. File and batch objects are typed against the handlers'.
import { z } from "zod";
import type { BatchObject } from "../routes/batches/batch-object.ts";
import type { toFileObject } from "../routes/files/file-object.ts";
import { BATCH_STATUSES } from "../../shared/store/schema/batches.ts";
import { FILE_PURPOSES } from "../../shared/store/schema/files.ts";

const usage = z.object({ prompt_tokens: z.int(), completion_tokens: z.int(), total_tokens: z.int() });
const finishReason = z.enum(["stop", "length"]).describe("length: max_tokens ran out");
const common = {
  id: z.string().describe("`chatcmpl-` / `cmpl-` + the job id"),
  created: z.int().describe("Unix seconds"),
  model: z.string(),
  system_fingerprint: z.null(),
};

export const chatCompletionSchema = z.object({
  ...common,
  object: z.literal("chat.completion"),
  choices: z.array(
    z.object({
      index: z.int(),
      message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
      logprobs: z.null(),
      finish_reason: finishReason,
    }),
  ),
  usage,
});

export const textCompletionSchema = z.object({
  ...common,
  object: z.literal("text_completion"),
  choices: z.array(z.object({ index: z.int(), text: z.string(), logprobs: z.null(), finish_reason: finishReason })),
  usage,
});

export const openAiModelSchema = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.int().describe("Unix seconds: when the model folder was written"),
  owned_by: z.string(),
  // genq's residency extensions (shared/queue/model-residency-board.ts).
  state: z.enum(["loaded", "loading", "unloaded"]).describe("loaded if any live worker has it, else loading if any loads it"),
  workers: z.array(z.object({ id: z.string(), state: z.enum(["loaded", "loading"]), resident_bytes: z.number() })).describe("workers that have it loaded or are loading it"),
  resident_bytes: z.number().describe("sum over the workers that have it loaded"),
  last_used_at: z.int().nullable().describe("Unix seconds: latest use on any worker; null if never used"),
  load_seconds: z.number().nullable().describe("the longest last load among the workers that loaded it"),
});

export const openAiModelListSchema = z.object({ object: z.literal("list"), data: z.array(openAiModelSchema) });

const unixSeconds = z.int().describe("Unix seconds");

export const openAiFileSchema: z.ZodType<ReturnType<typeof toFileObject>> = z.object({
  id: z.string().describe("`file-` + a ULID"),
  object: z.literal("file"),
  bytes: z.int(),
  created_at: unixSeconds,
  filename: z.string(),
  purpose: z.enum(FILE_PURPOSES).describe("batch: an uploaded batch input; batch_output: a batch's output or error file"),
  status: z.literal("processed"),
  status_details: z.null(),
  expires_at: z.null(),
});

export const openAiFileListSchema = z.object({
  object: z.literal("list"),
  data: z.array(openAiFileSchema),
  first_id: z.string().nullable(),
  last_id: z.string().nullable().describe("pass as `after` for the next page"),
  has_more: z.boolean(),
});

export const openAiFileDeletedSchema = z.object({ id: z.string(), object: z.literal("file"), deleted: z.literal(true) });

const optionalSeconds = unixSeconds.nullable();

export const openAiBatchSchema: z.ZodType<BatchObject> = z.object({
  id: z.string(),
  object: z.literal("batch"),
  endpoint: z.string().describe("/v1/chat/completions or /v1/completions"),
  model: z.string().nullable(),
  errors: z.object({ object: z.literal("list"), data: z.array(z.unknown()) }).nullable().describe("validation errors of the input file, when it failed"),
  input_file_id: z.string(),
  completion_window: z.string(),
  status: z.enum(BATCH_STATUSES),
  output_file_id: z.string().nullable(),
  error_file_id: z.string().nullable(),
  created_at: unixSeconds,
  in_progress_at: optionalSeconds,
  expires_at: optionalSeconds,
  finalizing_at: optionalSeconds,
  completed_at: optionalSeconds,
  failed_at: optionalSeconds,
  expired_at: optionalSeconds,
  cancelling_at: optionalSeconds,
  cancelled_at: optionalSeconds,
  request_counts: z.object({ total: z.int(), completed: z.int(), failed: z.int() }),
  metadata: z.record(z.string(), z.string()).nullable(),
  usage: z.object({ input_tokens: z.int(), output_tokens: z.int(), total_tokens: z.int() }),
  priority: z.int().describe("genq extension: the lines' job priority (0 most urgent)"),
  webhook: z.object({ url: z.string() }).nullable().describe("genq extension: where batch.* events go"),
});

export const openAiBatchListSchema = z.object({
  object: z.literal("list"),
  data: z.array(openAiBatchSchema),
  first_id: z.string().nullable(),
  last_id: z.string().nullable().describe("pass as `after` for the next page"),
  has_more: z.boolean(),
});

export const openAiErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().describe("invalid_request_error, authentication_error, permission_error, rate_limit_error or server_error"),
    param: z.string().nullable().describe("the OpenAI parameter at fault, e.g. messages[0].content"),
    code: z.string().nullable().describe("OpenAI's code where one exists (invalid_api_key, model_not_found, rate_limit_exceeded), else genq's in lower case"),
  }),
});

export const OPENAI_COMPONENT_SCHEMAS = {
  ChatCompletion: chatCompletionSchema,
  TextCompletion: textCompletionSchema,
  OpenAiModel: openAiModelSchema,
  OpenAiModelList: openAiModelListSchema,
  OpenAiFile: openAiFileSchema,
  OpenAiFileList: openAiFileListSchema,
  OpenAiFileDeleted: openAiFileDeletedSchema,
  OpenAiBatch: openAiBatchSchema,
  OpenAiBatchList: openAiBatchListSchema,
  OpenAiError: openAiErrorSchema,
} satisfies Record<string, z.ZodType>;
