// Builds the OpenAPI 3.1 document (GET /openapi.json) from the route catalog: request schemas
// from the routes' own zod schemas, answers from response-schemas.ts, and each route's error
// codes grouped by HTTP status as problem+json (codes and statuses from shared/errors.ts).
import { ERROR_CODES, GenqError, httpStatusFor, type ErrorCode } from "../../shared/errors.ts";
import { openAiError } from "../../shared/openai/openai-error.ts";
import { isOpenAiPath } from "../middleware/openai-error-response.ts";
import { routeErrors } from "./implied-errors.ts";
import { OPENAI_COMPONENT_SCHEMAS } from "./openai-response-schemas.ts";
import { COMPONENT_SCHEMAS } from "./response-schemas.ts";
import { requestJsonSchema, responseJsonSchema, type JsonSchema, type ResponseDoc, type RouteAuth, type RouteDoc } from "./route-doc.ts";
import { z } from "zod";

export interface OpenApiInfo {
  version: string;
  /** GENQ_PUBLIC_URL; "" documents relative URLs (the server the document came from). */
  serverUrl: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpenApiDocument = Record<string, any>;

/** `/v1/jobs/:id` → `/v1/jobs/{id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

const SECURITY: Record<RouteAuth, Record<string, string[]>[]> = {
  none: [],
  api_key: [{ apiKey: [] }],
  api_key_or_stream_token: [{ apiKey: [] }, { streamToken: [] }],
  admin: [{ adminKey: [] }],
  // Open unless GENQ_METRICS_TOKEN is set.
  metrics: [{ metricsToken: [] }, {}],
  // Open (as admin) while the API itself runs open.
  admin_or_api_key: [{ adminKey: [] }, { apiKey: [] }, {}],
  result_sink: [{ resultSinkToken: [] }],
};

const SECURITY_SCHEMES = {
  apiKey: { type: "http", scheme: "bearer", description: "An API key (`genq_…`) from `npm run keys` or POST /v1/admin/keys. Not needed while the API runs open (GENQ_AUTH=off, or on loopback until the first key exists)." },
  streamToken: { type: "apiKey", in: "query", name: "token", description: "The short-lived token in a job answer's `urls.events`: reads that one job and its events, nothing else (for browsers' EventSource)." },
  adminKey: { type: "http", scheme: "bearer", description: "GENQ_ADMIN_KEY. Without it configured the admin API answers 404." },
  metricsToken: { type: "http", scheme: "bearer", description: "GENQ_METRICS_TOKEN, when set." },
  resultSinkToken: { type: "http", scheme: "bearer", description: "GENQ_RESULT_SINK_TOKEN, shared with GENQ_RESULT_SINK=http workers. Without it configured the route answers 404." },
};

export function openApiDocument(routes: RouteDoc[], info: OpenApiInfo): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    if (paths[path][route.method]) throw new Error(`route catalog lists ${route.method.toUpperCase()} ${route.path} twice`);
    paths[path][route.method] = operation(route);
  }
  const schemas = Object.fromEntries(Object.entries({ ...COMPONENT_SCHEMAS, ...OPENAI_COMPONENT_SCHEMAS }).map(([name, schema]) => [name, withoutDialect(responseJsonSchema(schema))]));
  return {
    openapi: "3.1.0",
    info: {
      title: "genq",
      version: info.version,
      summary: "A job service for LLM text generation: priority queues, continuous batching, polling, streams and signed webhooks.",
      description:
        "Every error answers `application/problem+json` with a stable `code`; `type` links to the code's page under /problems. " +
        "Limits shown (prompt size, `wait`) are this server's configuration.",
    },
    servers: [{ url: info.serverUrl || "/" }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}

function operation(route: RouteDoc): Record<string, unknown> {
  const op: Record<string, unknown> = { operationId: route.operationId, summary: route.summary, tags: [route.tag] };
  if (route.description) op.description = route.description;
  op.security = SECURITY[route.auth];
  const parameters = [...pathParameters(route), ...queryParameters(route), ...(route.headerParams ?? []).map((p) => ({ in: "header", ...param(p) }))];
  if (parameters.length > 0) op.parameters = parameters;
  if (route.body) op.requestBody = { required: true, content: { "application/json": { schema: requestJsonSchema(route.body) } } };
  if (route.form) {
    const media = { schema: route.form.schema, ...(route.form.encoding ? { encoding: route.form.encoding } : {}) };
    op.requestBody = { required: true, description: route.form.description, content: { "multipart/form-data": media } };
  }
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(route.responses)) responses[status] = response(doc);
  if (isOpenAiPath(route.path)) {
    for (const [status, codes] of errorsByStatus(routeErrors(route), (code) => openAiError(new GenqError(code, "")).status)) responses[String(status)] = openAiErrorResponse(codes);
  } else {
    for (const [status, codes] of errorsByStatus(routeErrors(route), httpStatusFor)) responses[String(status)] = problemResponse(codes);
  }
  op.responses = responses;
  op["x-error-codes"] = routeErrors(route);
  return op;
}

function pathParameters(route: RouteDoc) {
  const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
  return names.map((name) => {
    const doc = route.pathParams?.[name];
    if (!doc) throw new Error(`route catalog: ${route.method.toUpperCase()} ${route.path} does not describe :${name}`);
    return { name, in: "path", required: true, description: doc.description, schema: doc.schema };
  });
}

/** A zod query object becomes one parameter per property (its input side: query strings). */
function queryParameters(route: RouteDoc) {
  const fromZod = route.query ? zodQueryParameters(route.query) : [];
  return [...fromZod, ...(route.queryParams ?? []).map((p) => ({ in: "query", ...param(p) }))];
}

function zodQueryParameters(query: z.ZodObject) {
  const schema = requestJsonSchema(query) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as JsonSchema & { description?: string };
    return { name, in: "query", required: schema.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest };
  });
}

function param(p: { name: string; description: string; schema: JsonSchema; required?: boolean }) {
  return { name: p.name, description: p.description, required: p.required ?? false, schema: p.schema };
}

function response(doc: ResponseDoc): Record<string, unknown> {
  const out: Record<string, unknown> = { description: doc.description };
  if (doc.headers) out.headers = Object.fromEntries(Object.entries(doc.headers).map(([name, description]) => [name, { description, schema: { type: "string" } }]));
  if (doc.schema || doc.contentType) out.content = { [doc.contentType ?? "application/json"]: { schema: responseSchema(doc.schema) } };
  if (doc.eventStream) out.content = { ...(out.content as object), "text/event-stream": { schema: { type: "string" } } };
  return out;
}

function responseSchema(schema: ResponseDoc["schema"]): JsonSchema {
  if (!schema) return { type: "string" };
  if (schema instanceof z.ZodType) return withoutDialect(responseJsonSchema(schema));
  if (typeof schema.ref === "string") return { $ref: `#/components/schemas/${schema.ref}` };
  return schema as JsonSchema;
}

/** Grouped by the status each code answers with, in the ERROR_CODES table's order. */
function errorsByStatus(codes: ErrorCode[], statusOf: (code: ErrorCode) => number): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    if (!codes.includes(code)) continue;
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

function problemResponse(codes: ErrorCode[]) {
  return {
    description: codes.map((code) => `${code}: ${ERROR_CODES[code].title}`).join("; "),
    content: {
      "application/problem+json": {
        schema: { allOf: [{ $ref: "#/components/schemas/Problem" }, { properties: { code: { enum: codes } } }] },
      },
    },
  };
}

/** OpenAI's error body; `error.code` is what shared/openai/openai-error.ts sends for these codes. */
function openAiErrorResponse(codes: ErrorCode[]) {
  const sent = [...new Set(codes.map((code) => openAiError(new GenqError(code, "")).body.error.code))];
  return {
    description: codes.map((code) => `${code}: ${ERROR_CODES[code].title}`).join("; "),
    content: {
      "application/json": {
        schema: { allOf: [{ $ref: "#/components/schemas/OpenAiError" }, { properties: { error: { properties: { code: { enum: sent } } } } }] },
      },
    },
  };
}

/** Component schemas sit inside the document, whose dialect is already 2020-12. */
function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
