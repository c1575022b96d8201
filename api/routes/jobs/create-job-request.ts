// The POST /v1/jobs body: strict (unknown fields are refused), bounded, and normalized into
// the stored input + params. Strings must be well-formed UTF-16 without NUL characters. The one
// place request bounds are decided: fixed ones here, per-server ones from config (ApiLimits).
import { z } from "zod";
import { MAX_TOKENS_CEILING, type TenantLimits } from "../../../shared/config.ts";
import { DEFAULT_PRIORITY, PRIORITY_ALIASES } from "../../../shared/jobs.ts";
import { KEEP_ALIVE_HINT, parseKeepAlive } from "../../../shared/models/keep-alive.ts";
import { responseFormatSchema } from "../../../shared/structured-output/response-format.ts";
import { WEBHOOK_EVENTS } from "../../../shared/webhooks/webhook-events.ts";

export const MAX_METADATA_BYTES = 16_384;
/** Longest max_queue_seconds / timeout_seconds: 7 days. */
export const MAX_DEADLINE_SECONDS = 604_800;

/** Code points in `text` (an emoji is one character, not two UTF-16 units); lone surrogates are refused anyway. */
export function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) count--;
  }
  return count;
}

// Lengths are Unicode code points (GENQ_MAX_PROMPT_CHARS counts characters as people do).
const cleanString = (max: number, tooLong?: string) =>
  z
    .string()
    .refine((s) => s.length <= max || codePoints(s) <= max, tooLong ?? `must be at most ${max} characters`)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL characters")
    .refine((s) => s.isWellFormed(), "must be well-formed Unicode (no lone surrogates)");

/**
 * No spaces or control characters: the URL parser silently drops tabs and newlines, so what is
 * checked would differ from what was sent. Scheme (http/https only), `user:pass@` credentials
 * and where it points (SSRF) are checked by shared/webhooks/webhook-url-check.ts at submit.
 */
export const webhookUrl = z
  .string()
  .min(1)
  .max(2048)
  .refine((s) => !/[\p{Cc}\s]/u.test(s), "must not contain spaces or control characters");

/** Ollama's keep_alive: how long the model stays loaded once idle after this job; → milliseconds (-1 = forever). */
const keepAlive = z.union([z.number(), z.string().max(32)]).transform((spec, ctx) => {
  const ms = parseKeepAlive(spec);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: KEEP_ALIVE_HINT });
    return z.NEVER;
  }
  return ms;
});

export const priority = z
  .union([z.number().int().min(0).max(9), z.enum(["high", "normal", "low"])])
  .transform((p) => (typeof p === "number" ? Math.abs(p) : PRIORITY_ALIASES[p]));

/**
 * The schema for this server's limits: the prompt, or all message contents together, within
 * GENQ_MAX_PROMPT_CHARS. max_tokens only has to be well-formed here (1..MAX_TOKENS_CEILING): the
 * model's context (the more specific answer) and then GENQ_MAX_TOKENS_LIMIT are checked after tokenizing.
 */
export function createJobRequestSchema(limits: Pick<TenantLimits, "maxPromptChars">) {
  const tooLong = `must be at most ${limits.maxPromptChars} characters on this server`;
  const message = z.strictObject({
    role: z.enum(["system", "user", "assistant"]),
    content: cleanString(limits.maxPromptChars),
  });
  return z
    .strictObject({
      model: z.string().min(1).max(64).optional().describe("a name from GENQ_MODELS; default: the first"),
      prompt: cleanString(limits.maxPromptChars, tooLong).optional().describe(`the text to continue (or send messages); at most ${limits.maxPromptChars} characters`),
      messages: z
        .array(message)
        .min(1)
        .max(256)
        .refine((messages) => messages.reduce((sum, m) => sum + codePoints(m.content), 0) <= limits.maxPromptChars, `contents together ${tooLong}`)
        .optional()
        .describe("a chat, rendered with the model's chat template (or send prompt)"),
      max_tokens: z.number().int().min(1).max(MAX_TOKENS_CEILING).default(256).describe("most tokens to generate (also capped by GENQ_MAX_TOKENS_LIMIT and the context)"),
      temperature: z.number().min(0).max(5).default(1).describe("0 = greedy"),
      top_p: z.number().gt(0).max(1).optional(),
      top_k: z.number().int().min(0).max(100_000).optional(),
      repetition_penalty: z.number().gt(0).max(10).optional(),
      seed: z.number().int().min(0).max(4_294_967_295).optional().describe("makes sampling reproducible"),
      stop: z.array(cleanString(256).min(1)).max(16).optional().describe("generation ends before any of these strings"),
      ignore_eos: z.boolean().default(false).describe("keep generating past end-of-sequence (benchmarks)"),
      response_format: responseFormatSchema.optional().describe("constrain the output to JSON (json_object) or to a JSON schema (json_schema)"),
      priority: priority.default(DEFAULT_PRIORITY).describe(`0 most urgent … 9; "high" = 1, "normal" = 5, "low" = 8; default ${DEFAULT_PRIORITY}`),
      // Seconds (fractions allowed, millisecond precision). Not started in time → expired QUEUE_TIMEOUT;
      // running longer → expired RUN_TIMEOUT with the partial output.
      max_queue_seconds: z.number().positive().max(MAX_DEADLINE_SECONDS).optional().describe("not started within this → expired with QUEUE_TIMEOUT"),
      timeout_seconds: z.number().positive().max(MAX_DEADLINE_SECONDS).optional().describe("running longer → expired with RUN_TIMEOUT, partial output kept"),
      keep_alive: keepAlive.optional().describe("how long the model stays loaded once idle after this job (seconds, -1 = forever, or 500ms / 30s / 5m / 1h)"),
      webhook: z
        .strictObject({
          url: webhookUrl,
          events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length).optional().describe("default: the terminal ones"),
        })
        .optional()
        .describe("signed (Standard Webhooks) POSTs to url on these events, retried"),
      metadata: z
        .record(z.string().max(256), z.unknown())
        .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`)
        .optional()
        .describe(`yours, returned as sent; at most ${MAX_METADATA_BYTES} bytes as JSON`),
    })
    .refine((body) => (body.prompt === undefined) !== (body.messages === undefined), {
      message: 'send exactly one of "prompt" or "messages"',
      path: ["prompt"],
    });
}

export type CreateJobRequest = z.infer<ReturnType<typeof createJobRequestSchema>>;
