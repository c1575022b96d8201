// The shape of one entry of the route catalog (api/openapi/route-catalog.ts) and the one way a
// zod schema becomes JSON Schema in the OpenAPI document (the same call the tests compare with).
import { z } from "zod";
import type { ErrorCode } from "../../shared/errors.ts";

export type JsonSchema = Record<string, unknown>;
export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/**
 * Who may call a route: nobody needs a key ("none"); an API key, or for one job's reads also a
 * `?token=` stream token ("api_key" / "api_key_or_stream_token"); GENQ_ADMIN_KEY ("admin");
 * GENQ_METRICS_TOKEN when set ("metrics"); GENQ_ADMIN_KEY or an API key, nothing while the API
 * runs open ("admin_or_api_key", the dashboard feed); GENQ_RESULT_SINK_TOKEN ("result_sink").
 */
export type RouteAuth = "none" | "api_key" | "api_key_or_stream_token" | "admin" | "metrics" | "admin_or_api_key" | "result_sink";

/** A query or header parameter the handler reads by hand (no zod schema to derive it from). */
export interface ParamDoc {
  name: string;
  description: string;
  schema: JsonSchema;
  required?: boolean;
}

/** A multipart/form-data request body: its fields as a JSON Schema object, and per-part encodings. */
export interface FormDoc {
  description: string;
  schema: JsonSchema;
  /** Part name → its Content-Type(s), as OpenAPI's `encoding`. */
  encoding?: Record<string, { contentType: string }>;
}

export interface ResponseDoc {
  description: string;
  /** Default application/json. */
  contentType?: string;
  /** A zod schema of the body (converted as output), a ready JSON Schema, or a components $ref name. */
  schema?: z.ZodType | JsonSchema | { ref: string };
  /** The same status may also answer text/event-stream (a `stream: true` request). */
  eventStream?: boolean;
  /** Response headers worth knowing (name → description). */
  headers?: Record<string, string>;
}

export interface RouteDoc {
  method: HttpMethod;
  /** As registered with Hono (`/v1/jobs/:id`); the document writes `{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
  /** Path parameters by name (every `:name` in `path` must be here). */
  pathParams?: Record<string, { description: string; schema: JsonSchema }>;
  /** The zod object the handler parses `c.req.query()` with: each property is a query parameter. */
  query?: z.ZodObject;
  /** Query parameters the handler reads by hand. */
  queryParams?: ParamDoc[];
  headerParams?: ParamDoc[];
  /** The zod schema the handler validates the JSON body with (the object itself, never a copy). */
  body?: z.ZodType;
  /** A multipart/form-data body the handler reads by hand (no zod schema to derive it from). */
  form?: FormDoc;
  /** Success (and other non-error) answers by status. */
  responses: Record<number, ResponseDoc>;
  /** Codes the handler itself answers with; middleware codes are added by implied-errors.ts. */
  errors: ErrorCode[];
}

/**
 * Request schemas are documented as their input (before defaults and transforms); refinements
 * cannot be expressed in JSON Schema and are left to the 400 answer's `errors`.
 */
export function requestJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/** Response schemas are documented as what the server sends (output). */
export function responseJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;
}
