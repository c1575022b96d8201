// The POST /v1/chat/completions body as OpenAI defines it (the parts genq serves): messages with
// string or text-part content; roles system, developer (read as system), user, assistant. Tool
// and function messages, images and audio are refused naming the field. Unknown fields are
// refused, as OpenAI does.
import { z } from "zod";
import { chatNoOpFields, sharedRequestFields } from "./openai-request-fields.ts";

const textPart = z.strictObject({
  type: z.literal("text", 'only text content parts are supported (no images, audio or files)'),
  text: z.string(),
});

const message = z.strictObject({
  role: z.enum(["system", "developer", "user", "assistant"], 'role must be system, developer, user or assistant (genq has no tool calling)'),
  content: z.union([z.string(), z.array(textPart).min(1)], "content must be a string or an array of text parts"),
  /** Accepted and dropped: chat templates have no place for it. */
  name: z.string().optional(),
  refusal: z.null().optional(),
  tool_calls: z.array(z.unknown()).max(0, "tool calls are not supported").optional(),
});

export const chatCompletionRequestSchema = z.strictObject({
  ...sharedRequestFields,
  ...chatNoOpFields,
  messages: z.array(message).min(1, "must have at least one message"),
  /** OpenAI's newer name for max_tokens; wins when both are sent. */
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessageParam = z.infer<typeof message>;
