// Zod descriptions of the OpenAI-compatible routes' answers (OpenAI's shapes as genq fills them:
// shared/openai/openai-completion.ts, api/routes/models) and of OpenAI's error body, for the
// OpenAPI document's components; real answers are validated against them in the document's test.
import { z } from "zod";

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
});

export const openAiModelListSchema = z.object({ object: z.literal("list"), data: z.array(openAiModelSchema) });

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
  OpenAiError: openAiErrorSchema,
} satisfies Record<string, z.ZodType>;
