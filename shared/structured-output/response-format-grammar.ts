// What a `response_format` asks for, without its zod schema (response-format.ts): the type and the
// grammar it constrains decoding to. Zod-free, so the inference thread's heap stays small.
import { GenqError } from "../errors.ts";
import { compileJsonSchema, JSON_OBJECT_GRAMMAR, UnsupportedSchemaError, type GrammarNode } from "./schema-grammar.ts";

/** A validated `response_format` (responseFormatSchema's output). */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      json_schema: {
        name: string;
        description?: string | undefined;
        schema?: Record<string, unknown> | undefined;
        strict?: boolean | null | undefined;
      };
    };

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
