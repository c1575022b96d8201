// The `response_format` request field (POST /v1/jobs and the OpenAI-compatible routes): its zod
// schema, and the check that compiles it at submit so an unsupported schema is refused with
// 400 UNSUPPORTED_SCHEMA before anything is stored.
import { z } from "zod";
import { GenqError } from "../errors.ts";
import { compileJsonSchema, JSON_OBJECT_GRAMMAR, UnsupportedSchemaError, type GrammarNode } from "./schema-grammar.ts";

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
]);

export type ResponseFormat = z.infer<typeof responseFormatSchema>;

/**
 * The grammar a response format constrains decoding to; null for plain text. Throws GenqError
 * UNSUPPORTED_SCHEMA (naming the keyword) for schemas outside the supported subset. Strict or not,
 * a schema is always enforced in full, so `strict: false` changes nothing.
 */
export function responseFormatGrammar(format: ResponseFormat | undefined): GrammarNode | null {
  if (!format || format.type === "text") return null;
  if (format.type === "json_object") return JSON_OBJECT_GRAMMAR;
  try {
    return compileJsonSchema(format.json_schema.schema ?? {});
  } catch (error) {
    if (error instanceof UnsupportedSchemaError) {
      throw new GenqError("UNSUPPORTED_SCHEMA", `response_format.json_schema.schema ${error.message}`, {
        errors: [{ field: `response_format.json_schema.schema${error.path.replaceAll("/", ".")}`, message: `unsupported keyword: ${error.keyword}` }],
      });
    }
    throw error;
  }
}
