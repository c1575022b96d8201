// Every HTTP route genq serves, for GET /openapi.json and GET /docs: method, path, summary, the
// zod schemas its handler really validates with, its answers and its error codes.
//
// How to document a new route (test/integration/openapi-document.test.ts fails until you do):
// 1. Add one entry below with the method and the path exactly as Hono registers it (`:id`).
// 2. `body` / `query`: import the handler's own zod schema (export it from the route file);
//    never write a copy. Query parameters the handler reads by hand go in `queryParams`.
// 3. `responses`: a zod schema from response-schemas.ts (`{ ref: "Job" }` for a component).
// 4. `errors`: the codes the handler throws itself (shared/errors.ts); auth, rate limit, JSON
//    body and INTERNAL codes are added from `auth`, the method and `body` (implied-errors.ts).
//    Paths the app answers in OpenAI's error shape (isOpenAiPath) are documented that way.
// 5. A route with a JSON body: add its schema to the bodies table of the document's test too.
// Larger areas keep their entries in a file of their own (openai-route-catalog.ts), spread below.
// A body that is not JSON (an upload) goes in `form` with the fields as a JSON Schema.
import { JOB_ID_PATTERN } from "../../shared/ids.ts";
import { KEY_ID_PATTERN } from "../../shared/auth/api-keys.ts";
import { WEBHOOK_EVENTS } from "../../shared/webhooks/webhook-events.ts";
import type { ApiLimits } from "../app-deps.ts";
import { createKeyRequest } from "../routes/admin/admin-keys-routes.ts";
import { reassignRequest } from "../routes/admin/admin-tenants-routes.ts";
import { resultReportSchema } from "../../shared/result-sink/result-report.ts";
import { createJobRequestSchema } from "../routes/jobs/create-job-request.ts";
import { JOB_FIELDS } from "../routes/jobs/job-fields.ts";
import { listJobsQuery } from "../routes/jobs/list-jobs.ts";
import { dashboardRouteCatalog } from "./dashboard-route-catalog.ts";
import { filesBatchesRouteCatalog } from "./files-batches-route-catalog.ts";
import { openAiRouteCatalog } from "./openai-route-catalog.ts";
import type { ResponseDoc, RouteDoc } from "./route-doc.ts";

const jobId = { id: { description: "the job's id", schema: { type: "string", pattern: JOB_ID_PATTERN.source } } };
const job = (description: string, headers?: Record<string, string>): ResponseDoc => ({ description, schema: { ref: "JobWithPosition" }, headers });
const html = (description: string): ResponseDoc => ({ description, contentType: "text/html" });
const modelId = { id: { description: "a model name from GENQ_MODELS", schema: { type: "string" } } };
const notTerminal = { "Retry-After": "while the job is not terminal: seconds until polling again is worthwhile", ETag: "the representation's version" };

export function routeCatalog(limits: ApiLimits): RouteDoc[] {
  return [
    { method: "get", path: "/healthz", operationId: "getHealth", tag: "operations", auth: "none", summary: "Liveness: the process answers", responses: { 200: { description: "alive", schema: { ref: "Health" } } }, errors: [] },
    {
      method: "get", path: "/readyz", operationId: "getReadiness", tag: "operations", auth: "none",
      summary: "Readiness: the store takes writes, Redis answers and every model has a live worker",
      responses: { 200: { description: "ready", schema: { ref: "Readiness" } }, 503: { description: "not ready; `checks` says why", schema: { ref: "Readiness" } } },
      errors: [],
    },
    {
      method: "get", path: "/metrics", operationId: "getMetrics", tag: "operations", auth: "metrics",
      summary: "Prometheus metrics (text exposition format)",
      description: "Behind GENQ_METRICS_TOKEN as a Bearer token when it is set; open otherwise.",
      responses: { 200: { description: "metrics", contentType: "text/plain; version=0.0.4" } },
      errors: [],
    },
    { method: "get", path: "/openapi.json", operationId: "getOpenApiDocument", tag: "operations", auth: "none", summary: "This OpenAPI 3.1 document", responses: { 200: { description: "the document", schema: { type: "object" } } }, errors: [] },
    { method: "get", path: "/docs", operationId: "getDocs", tag: "operations", auth: "none", summary: "The API reference as an HTML page (rendered from /openapi.json)", responses: { 200: html("the reference page") }, errors: [] },
    { method: "get", path: "/problems", operationId: "listProblemTypes", tag: "problems", auth: "none", summary: "Every error code with a link to its page", responses: { 200: html("index of problem types") }, errors: [] },
    {
      method: "get", path: "/problems/:slug", operationId: "getProblemType", tag: "problems", auth: "none",
      summary: "One error code's page: status, what happened, what to do (problem+json `type` links here)",
      pathParams: { slug: { description: "the code in kebab case, e.g. validation-failed", schema: { type: "string" } } },
      responses: { 200: html("the code's page") },
      errors: ["ROUTE_NOT_FOUND"],
    },
    {
      method: "post", path: "/v1/jobs", operationId: "createJob", tag: "jobs", auth: "api_key",
      summary: "Submit a generation job",
      description: "Answers at once with the queued job; poll it, stream its events or receive its webhooks. Send exactly one of `prompt` or `messages`.",
      headerParams: [{ name: "Idempotency-Key", description: "1-255 printable ASCII characters; a retry with the same key and body answers with the first job", schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,255}$" } }],
      body: createJobRequestSchema(limits),
      responses: { 202: job("accepted (or an Idempotency-Key replay, with `Idempotent-Replayed: true`)", { Location: "the job's URL", ETag: "the representation's version" }) },
      errors: ["UNKNOWN_MODEL", "CONTEXT_LENGTH_EXCEEDED", "UNSUPPORTED_SCHEMA", "WEBHOOK_URL_REJECTED", "CHAT_TEMPLATE_ERROR", "IDEMPOTENCY_KEY_REUSED", "QUOTA_EXCEEDED"],
    },
    {
      method: "get", path: "/v1/jobs", operationId: "listJobs", tag: "jobs", auth: "api_key",
      summary: "The caller's jobs, newest first (cursor pagination)",
      query: listJobsQuery,
      responses: { 200: { description: "a page of jobs", schema: { ref: "JobList" } } },
      errors: [],
    },
    {
      method: "get", path: "/v1/jobs/:id", operationId: "getJob", tag: "jobs", auth: "api_key_or_stream_token",
      summary: "A job; `?wait=N` long-polls until it is terminal",
      pathParams: jobId,
      queryParams: [
        { name: "wait", description: `hold the answer up to this many seconds until the job is terminal (0-${limits.maxWaitSeconds}, millisecond precision)`, schema: { type: "number", minimum: 0, maximum: limits.maxWaitSeconds } },
        { name: "fields", description: `comma-separated subset of the job's fields, for low-bandwidth pollers: ${JOB_FIELDS.join(", ")}`, schema: { type: "string", examples: ["status,output"] } },
      ],
      headerParams: [{ name: "If-None-Match", description: "an ETag from an earlier answer: 304 when unchanged", schema: { type: "string" } }],
      responses: { 200: job("the job (only the `fields` asked for, when given)", notTerminal), 304: { description: "unchanged since the ETag sent in If-None-Match" } },
      errors: ["JOB_NOT_FOUND", "VALIDATION_FAILED", "TOO_MANY_WAITERS"],
    },
    {
      method: "post", path: "/v1/jobs/:id/cancel", operationId: "cancelJob", tag: "jobs", auth: "api_key",
      summary: "Cancel a job: queued ones at once, running ones at their next step (partial text kept)",
      pathParams: jobId,
      responses: { 200: job("canceled (also when it already was)"), 202: job("cancel requested; the running job has not stopped yet") },
      errors: ["JOB_NOT_FOUND", "JOB_NOT_CANCELABLE"],
    },
    {
      method: "get", path: "/v1/jobs/:id/events", operationId: "streamJobEvents", tag: "jobs", auth: "api_key_or_stream_token",
      summary: "Server-Sent Events: `status` (the job) and `delta` (new text) until the job is terminal",
      description: "Event ids are resumable: reconnect with Last-Event-ID (or `?last_event_id=`) to continue exactly where the stream stopped.",
      pathParams: jobId,
      queryParams: [{ name: "last_event_id", description: "as the Last-Event-ID header, for clients that cannot set headers", schema: { type: "string", pattern: "^\\d+-\\d+$" } }],
      headerParams: [{ name: "Last-Event-ID", description: "resume after this event id (<ms>-<seq>)", schema: { type: "string", pattern: "^\\d+-\\d+$" } }],
      responses: { 200: { description: "the event stream", contentType: "text/event-stream" }, 204: { description: "the stream already ended at the Last-Event-ID sent: stop reconnecting" } },
      errors: ["JOB_NOT_FOUND", "VALIDATION_FAILED", "TOO_MANY_WAITERS"],
    },
    {
      method: "get", path: "/v1/jobs/:id/webhooks", operationId: "listJobWebhooks", tag: "webhooks", auth: "api_key",
      summary: "The job's webhook deliveries and every attempt",
      pathParams: jobId,
      responses: { 200: { description: "deliveries", schema: { ref: "WebhookDeliveryList" } } },
      errors: ["JOB_NOT_FOUND"],
    },
    {
      method: "post", path: "/v1/jobs/:id/webhooks/redeliver", operationId: "redeliverJobWebhooks", tag: "webhooks", auth: "api_key",
      summary: "Deliver the job's webhooks again (all events, or `?event=`)",
      pathParams: jobId,
      queryParams: [{ name: "event", description: "only this event", schema: { type: "string", enum: [...WEBHOOK_EVENTS] } }],
      responses: { 202: { description: "redelivery scheduled; the deliveries as they stand", schema: { ref: "WebhookDeliveryList" } } },
      errors: ["JOB_NOT_FOUND", "VALIDATION_FAILED", "WEBHOOK_NOT_CONFIGURED", "REDELIVERY_LIMIT_REACHED"],
    },
    {
      method: "get", path: "/v1/webhooks/secret", operationId: "revealWebhookSecret", tag: "webhooks", auth: "api_key",
      summary: "The tenant's webhook signing secret, shown once (created at first use)",
      responses: { 200: { description: "the secret", schema: { ref: "WebhookSecret" } } },
      errors: ["WEBHOOK_SECRET_UNAVAILABLE"],
    },
    {
      method: "post", path: "/v1/webhooks/secret/rotate", operationId: "rotateWebhookSecret", tag: "webhooks", auth: "api_key",
      summary: "Issue a new signing secret; the previous one keeps signing for a grace period",
      responses: { 201: { description: "the new secret (shown only here)", schema: { ref: "WebhookSecret" } } },
      errors: [],
    },
    {
      method: "post", path: "/v1/admin/keys", operationId: "createApiKey", tag: "admin", auth: "admin",
      summary: "Issue an API key (the key is in this answer only)",
      body: createKeyRequest,
      responses: { 201: { description: "the key", schema: { ref: "ApiKeyCreated" } } },
      errors: [],
    },
    { method: "get", path: "/v1/admin/keys", operationId: "listApiKeys", tag: "admin", auth: "admin", summary: "Every API key (never the secrets)", responses: { 200: { description: "the keys", schema: { ref: "ApiKeyList" } } }, errors: [] },
    {
      method: "delete", path: "/v1/admin/keys/:id", operationId: "revokeApiKey", tag: "admin", auth: "admin",
      summary: "Revoke an API key",
      pathParams: { id: { description: "the key's id", schema: { type: "string", pattern: KEY_ID_PATTERN.source } } },
      responses: { 200: { description: "the revoked key", schema: { ref: "ApiKey" } } },
      errors: ["API_KEY_NOT_FOUND"],
    },
    {
      method: "post", path: "/v1/admin/tenants/reassign", operationId: "reassignTenant", tag: "admin", auth: "admin",
      summary: "Move every job (and its webhook deliveries) of one tenant to another",
      body: reassignRequest,
      responses: { 200: { description: "what moved", schema: { ref: "TenantReassignment" } } },
      errors: [],
    },
    {
      method: "post", path: "/v1/admin/models/:id/load", operationId: "loadModel", tag: "admin", auth: "admin",
      summary: "Tell every worker serving the model to load it (the outcome shows in GET /v1/models)",
      pathParams: modelId,
      responses: { 202: { description: "sent to the workers listening now", schema: { ref: "ModelCommand" } } },
      errors: ["UNKNOWN_MODEL"],
    },
    {
      method: "post", path: "/v1/admin/models/:id/unload", operationId: "unloadModel", tag: "admin", auth: "admin",
      summary: "Tell every worker serving the model to unload it and free its memory (the outcome shows in GET /v1/models)",
      pathParams: modelId,
      responses: { 202: { description: "sent to the workers listening now", schema: { ref: "ModelCommand" } } },
      errors: ["UNKNOWN_MODEL"],
    },
    {
      method: "post", path: "/internal/v1/results", operationId: "reportJobResult", tag: "internal", auth: "result_sink",
      summary: "Where GENQ_RESULT_SINK=http workers report each job-row read and transition",
      description: "Exists only when GENQ_RESULT_SINK_TOKEN is set. A transition is applied once per `report_id`: a retry gets the first answer.",
      body: resultReportSchema,
      responses: { 200: { description: "the row after the report (or the engine-run count; `ok` for `hello`)", schema: { ref: "ResultAnswer" } } },
      errors: ["REPORT_IN_PROGRESS"],
    },
    ...openAiRouteCatalog(),
    ...filesBatchesRouteCatalog(),
    ...dashboardRouteCatalog(),
  ];
}
