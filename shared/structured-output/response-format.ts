// The `response_format` request field (POST /v1/jobs and the OpenAI-compatible routes): its zod
// schema. Its type and grammar live zod-free in response-format-grammar.ts (the inference thread
// uses them); submit compiles the grammar so an unsupported schema is refused with 400 UNSUPPORTED_SCHEMA.
import { z } from "zod";
import type { ResponseFormat } from "./response-format-grammar.ts";

/** Serialized schemas larger than this are refused (they are compiled on every worker). */
export const MAX_SCHEMA_BYTES = 65_536;

export const responseFormatSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text") }),
  z.strictObject({ type: z.literal("json_object") }),
  z.strictObject({
    type: z.literal("json_schema"),
    json_schema: z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
      description: z.string().max(4096).optional(),
      schema: z
        .record(z.string(), z.unknown())
        .refine((s) => Buffer.byteLength(JSON.stringify(s)) <= MAX_SCHEMA_BYTES, `must be at most ${MAX_SCHEMA_BYTES} bytes as JSON`)
        .optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]) satisfies z.ZodType<ResponseFormat>;
