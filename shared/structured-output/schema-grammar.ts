// Compiles the supported JSON Schema subset (and json_object mode) into a GrammarNode tree: plain data
// that crosses worker_threads and drives the byte-level matcher. Every keyword outside the subset is
// refused with UnsupportedSchemaError naming it: a constraint is enforced or refused, never ignored.
import { compilePattern, PatternError, type PatternNfa } from "./pattern-nfa.ts";

export interface NumberBound {
  value: number;
  exclusive: boolean;
}

export type GrammarNode =
  /** Any JSON value (json_object members, schemas without constraints). */
  | { kind: "any" }
  /** Properties in schema order, each optional one may be left out; `freeKeys`: any key, values `any`. */
  | { kind: "object"; properties: Array<{ name: string; required: boolean; value: GrammarNode }>; freeKeys: boolean }
  | { kind: "array"; items: GrammarNode; minItems: number; maxItems: number | null }
  /** Lengths in code points, as JSON Schema counts them. */
  | { kind: "string"; minLength: number; maxLength: number | null; pattern: PatternNfa | null }
  | { kind: "number"; integer: boolean; minimum: NumberBound | null; maximum: NumberBound | null }
  /** Exact JSON texts: const, enum, true/false, null. */
  | { kind: "literal"; texts: string[] }
  | { kind: "anyOf"; options: GrammarNode[] };

export class UnsupportedSchemaError extends Error {
  constructor(
    readonly keyword: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${path || "(root)"}: ${detail}`);
  }
}

/** Keywords that carry no constraint: accepted and not enforced because there is nothing to enforce. */
const ANNOTATIONS = new Set(["title", "description", "$schema", "$id", "$comment", "default", "examples", "deprecated", "readOnly", "writeOnly"]);
const SUPPORTED = new Set([
  "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "enum", "const",
  "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "anyOf",
]);
const TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"] as const;
type TypeName = (typeof TYPES)[number];
const MAX_DEPTH = 16;
/** Largest integer bound / count genq enforces (digits stay exact in a double). */
const MAX_COUNT = 100_000;

/** `{"type":"json_object"}`: any JSON object. */
export const JSON_OBJECT_GRAMMAR: GrammarNode = { kind: "object", properties: [], freeKeys: true };

export function compileJsonSchema(schema: unknown): GrammarNode {
  return compileNode(schema, "", 0);
}

function compileNode(schema: unknown, path: string, depth: number): GrammarNode {
  if (depth > MAX_DEPTH) throw new UnsupportedSchemaError("(depth)", path, `nesting deeper than ${MAX_DEPTH} levels`);
  if (schema === true) return { kind: "any" };
  if (!isRecord(schema)) throw new UnsupportedSchemaError("(schema)", path, "a schema must be an object");
  for (const keyword of Object.keys(schema)) {
    if (!SUPPORTED.has(keyword) && !ANNOTATIONS.has(keyword)) {
      throw new UnsupportedSchemaError(keyword, path, `keyword "${keyword}" is not supported`);
    }
  }
  if ("anyOf" in schema) {
    const options = schema.anyOf;
    if (!Array.isArray(options) || options.length === 0) throw new UnsupportedSchemaError("anyOf", path, "anyOf must be a non-empty array");
    const others = constraintKeys(schema).filter((k) => k !== "anyOf");
    if (others.length > 0) throw new UnsupportedSchemaError(others[0], path, `"${others[0]}" beside anyOf is not supported (move it into each option)`);
    return { kind: "anyOf", options: options.map((o, i) => compileNode(o, `${path}/anyOf/${i}`, depth + 1)) };
  }
  const types = typeList(schema.type, path);
  if ("enum" in schema || "const" in schema) return compileLiterals(schema, types, path);
  if (types !== null) {
    // A keyword of another type only applies to values of that type: with none of them allowed, it
    // is almost certainly a mistake in the schema, so say so rather than let it pass unenforced.
    const stray = constraintKeys(schema).find((k) => k !== "type" && !types.some((t) => KEYWORDS_OF[t].includes(k)));
    if (stray) throw new UnsupportedSchemaError(stray, path, `"${stray}" does not apply to type ${JSON.stringify(schema.type)}`);
  }
  // Without "type" every JSON type is allowed and each keyword constrains values of its own type.
  const options = (types ?? TYPES.filter((t) => t !== "integer")).map((type) => compileTyped(schema, type, path, depth));
  return options.length === 1 ? options[0] : { kind: "anyOf", options };
}

function compileTyped(schema: Record<string, unknown>, type: TypeName, path: string, depth: number): GrammarNode {
  switch (type) {
    case "object":
      return compileObject(schema, path, depth);
    case "array": {
      const minItems = count(schema, "minItems", path) ?? 0;
      const maxItems = count(schema, "maxItems", path);
      if (maxItems !== null && maxItems < minItems) throw new UnsupportedSchemaError("maxItems", path, "maxItems is below minItems");
      const items = "items" in schema ? compileNode(schema.items, `${path}/items`, depth + 1) : { kind: "any" as const };
      return { kind: "array", items, minItems, maxItems };
    }
    case "string": {
      const minLength = count(schema, "minLength", path) ?? 0;
      const maxLength = count(schema, "maxLength", path);
      if (maxLength !== null && maxLength < minLength) throw new UnsupportedSchemaError("maxLength", path, "maxLength is below minLength");
      let pattern: PatternNfa | null = null;
      if ("pattern" in schema) {
        if (typeof schema.pattern !== "string") throw new UnsupportedSchemaError("pattern", path, "pattern must be a string");
        try {
          pattern = compilePattern(schema.pattern);
        } catch (error) {
          if (error instanceof PatternError) throw new UnsupportedSchemaError("pattern", path, `pattern ${JSON.stringify(schema.pattern)}: ${error.message}`);
          throw error;
        }
      }
      return { kind: "string", minLength, maxLength, pattern };
    }
    case "number":
    case "integer": {
      const minimum = bound(schema, "minimum", "exclusiveMinimum", path);
      const maximum = bound(schema, "maximum", "exclusiveMaximum", path);
      return { kind: "number", integer: type === "integer", minimum, maximum };
    }
    case "boolean":
      return { kind: "literal", texts: ["true", "false"] };
    case "null":
      return { kind: "literal", texts: ["null"] };
  }
}

const KEYWORDS_OF: Record<TypeName, string[]> = {
  object: ["properties", "required", "additionalProperties"],
  array: ["items", "minItems", "maxItems"],
  string: ["minLength", "maxLength", "pattern"],
  number: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
  integer: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
  boolean: [],
  null: [],
};

function compileObject(schema: Record<string, unknown>, path: string, depth: number): GrammarNode {
  const properties = schema.properties ?? {};
  if (!isRecord(properties)) throw new UnsupportedSchemaError("properties", path, "properties must be an object");
  const required = schema.required ?? [];
  if (!Array.isArray(required) || !required.every((r) => typeof r === "string")) {
    throw new UnsupportedSchemaError("required", path, "required must be an array of strings");
  }
  const missing = required.find((name) => !(name in properties));
  if (missing !== undefined) throw new UnsupportedSchemaError("required", path, `required property "${missing}" has no schema in properties`);
  const additional = schema.additionalProperties;
  if (additional !== undefined && typeof additional !== "boolean") {
    throw new UnsupportedSchemaError("additionalProperties", path, "additionalProperties must be true or false (schemas are not supported)");
  }
  const names = Object.keys(properties);
  return {
    kind: "object",
    properties: names.map((name) => ({
      name,
      required: required.includes(name),
      value: compileNode(properties[name], `${path}/properties/${name}`, depth + 1),
    })),
    // No properties listed and extra ones allowed: any object (as json_object mode).
    freeKeys: names.length === 0 && additional !== false,
  };
}

function compileLiterals(schema: Record<string, unknown>, types: TypeName[] | null, path: string): GrammarNode {
  const keyword = "const" in schema ? "const" : "enum";
  const extra = constraintKeys(schema).filter((k) => k !== keyword && k !== "type");
  if (extra.length > 0) throw new UnsupportedSchemaError(extra[0], path, `"${extra[0]}" beside ${keyword} is not supported`);
  const values = keyword === "const" ? [schema.const] : schema.enum;
  if (!Array.isArray(values) || values.length === 0) throw new UnsupportedSchemaError("enum", path, "enum must be a non-empty array");
  const texts = values
    .filter((v) => types === null || types.some((t) => jsonTypeMatches(v, t)))
    .map((v) => JSON.stringify(v));
  if (texts.length === 0) throw new UnsupportedSchemaError(keyword, path, `no ${keyword} value has the schema's type`);
  return { kind: "literal", texts: [...new Set(texts)] };
}

function jsonTypeMatches(value: unknown, type: TypeName): boolean {
  if (type === "integer") return Number.isInteger(value);
  if (type === "null") return value === null;
  if (type === "array") return Array.isArray(value);
  if (type === "object") return isRecord(value);
  return typeof value === type;
}

function typeList(type: unknown, path: string): TypeName[] | null {
  if (type === undefined) return null;
  const list = Array.isArray(type) ? type : [type];
  for (const t of list) {
    if (!TYPES.includes(t as TypeName)) throw new UnsupportedSchemaError("type", path, `type ${JSON.stringify(t)} is not a JSON Schema type`);
  }
  if (list.length === 0) throw new UnsupportedSchemaError("type", path, "type must not be empty");
  return [...new Set(list as TypeName[])];
}

function count(schema: Record<string, unknown>, keyword: string, path: string): number | null {
  const value = schema[keyword];
  if (value === undefined) return null;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_COUNT) {
    throw new UnsupportedSchemaError(keyword, path, `${keyword} must be an integer from 0 to ${MAX_COUNT}`);
  }
  return value as number;
}

function bound(schema: Record<string, unknown>, inclusive: string, exclusive: string, path: string): NumberBound | null {
  const candidates: NumberBound[] = [];
  for (const [keyword, isExclusive] of [[inclusive, false], [exclusive, true]] as const) {
    const value = schema[keyword];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || Math.abs(value) > 1e15) {
      throw new UnsupportedSchemaError(keyword, path, `${keyword} must be a number of magnitude at most 1e15`);
    }
    candidates.push({ value, exclusive: isExclusive });
  }
  if (candidates.length < 2) return candidates[0] ?? null;
  // Both given: the tighter one wins (a lower bound: the larger value; ties: exclusive is tighter).
  const lower = inclusive === "minimum";
  const [a, b] = candidates;
  if (a.value === b.value) return { value: a.value, exclusive: true };
  return (a.value > b.value) === lower ? a : b;
}

function constraintKeys(schema: Record<string, unknown>): string[] {
  return Object.keys(schema).filter((k) => !ANNOTATIONS.has(k));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
