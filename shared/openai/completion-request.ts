// The POST /v1/completions (legacy completions) body as OpenAI defines it, for the parts genq
// serves: one text prompt (a string, or a list holding one string); token-id prompts, several
// prompts, echo, suffix and best_of are refused naming the field. Unknown fields are refused.
import { z } from "zod";
import { completionNoOpFields, sharedRequestFields } from "./openai-request-fields.ts";

export const completionRequestSchema = z.strictObject({
  ...sharedRequestFields,
  ...completionNoOpFields,
  prompt: z.union(
    [z.string(), z.array(z.string()).length(1, "send one prompt per request (several prompts would be several choices)")],
    "prompt must be a string (token-id prompts are not supported)",
  ),
});

export type CompletionRequest = z.infer<typeof completionRequestSchema>;
