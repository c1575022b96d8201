// Zod descriptions of what the API answers, for the OpenAPI document's components. Typed against
// the objects the handlers build (z.ZodType<T>), so a field added there without its schema here
// fails typecheck; test/integration/openapi-document.test.ts validates real answers against them.
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../../shared/errors.ts";
import type { JobSummary } from "../../shared/job-summary.ts";
import type { DashboardSnapshot } from "../routes/dashboard/dashboard-snapshot.ts";
import { JOB_STATUSES } from "../../shared/store/schema/jobs.ts";
import { WEBHOOK_ATTEMPT_OUTCOMES } from "../../shared/store/schema/webhook-attempts.ts";
import { WEBHOOK_DELIVERY_STATUSES } from "../../shared/store/schema/webhook-deliveries.ts";
import { WEBHOOK_EVENTS } from "../../shared/webhooks/webhook-events.ts";

const isoTime = z.iso.datetime();
const errorCodes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

const jobFields = {
  id: z.string().describe("`job_` + a ULID: ids sort by creation time"),
  object: z.literal("job"),
  status: z.enum(JOB_STATUSES),
  model: z.string(),
  priority: z.int().min(0).max(9).describe("0 most urgent"),
  created_at: isoTime,
  started_at: isoTime.nullable(),
  completed_at: isoTime.nullable(),
  output: z
    .object({ text: z.string().nullable(), finish_reason: z.string().describe("stop, length or canceled"), truncated: z.literal(true).optional() })
    .nullable(),
  usage: z.object({ prompt_tokens: z.int(), completion_tokens: z.int() }),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  max_queue_seconds: z.number().nullable(),
  timeout_seconds: z.number().nullable(),
  urls: z.object({
    self: z.string(),
    cancel: z.string(),
    events: z.string().describe("with `?token=` (a stream token) when the caller used an API key"),
  }),
};

/** The job object of list answers and webhooks / SSE status events. */
export const jobSchema: z.ZodType<JobSummary> = z.object(jobFields);

/** GET /v1/jobs/:id, submit and cancel answers: the job plus its place in the queue. */
export const jobWithPositionSchema = z.object({
  ...jobFields,
  queue_position: z.int().nullable().optional().describe("jobs ahead of this one in its model's queue while queued; null otherwise"),
});

export const jobListSchema = z.object({
  object: z.literal("list"),
  data: z.array(jobSchema),
  has_more: z.boolean(),
  next_cursor: z.string().nullable().describe("pass as `after` for the next page"),
});

export const problemSchema = z.object({
  type: z.string().describe("link to the code's page, /problems/<code>"),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.enum(errorCodes),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe("one entry per bad field"),
});

const apiKeyFields = {
  object: z.literal("api_key"),
  id: z.string(),
  name: z.string(),
  tenant: z.string(),
  prefix: z.string().describe("the key's public part, safe to log"),
  created_at: isoTime.nullable(),
  revoked_at: isoTime.nullable(),
};
export const apiKeySchema = z.object(apiKeyFields);
export const apiKeyCreatedSchema = z.object({ ...apiKeyFields, key: z.string().describe("the secret key; shown in this answer only") });
export const apiKeyListSchema = z.object({ object: z.literal("list"), data: z.array(apiKeySchema) });

export const tenantReassignmentSchema = z.object({
  object: z.literal("tenant_reassignment"),
  from: z.string(),
  to: z.string(),
  jobs: z.int(),
  webhook_deliveries: z.int(),
});

export const webhookDeliveryListSchema = z.object({
  object: z.literal("list"),
  job_id: z.string(),
  data: z.array(
    z.object({
      id: z.string(),
      object: z.literal("webhook_delivery"),
      event: z.enum(WEBHOOK_EVENTS),
      url: z.string(),
      status: z.enum(WEBHOOK_DELIVERY_STATUSES),
      attempts: z.int(),
      round: z.int(),
      last_status_code: z.int().nullable(),
      last_error: z.string().nullable(),
      next_attempt_at: isoTime.nullable(),
      created_at: isoTime.nullable(),
      delivered_at: isoTime.nullable(),
      log: z.array(
        z.object({
          attempt: z.int(),
          started_at: isoTime.nullable(),
          outcome: z.enum(WEBHOOK_ATTEMPT_OUTCOMES),
          status_code: z.int().nullable(),
          latency_ms: z.number().nullable(),
          error: z.string().nullable(),
          next_attempt_at: isoTime.nullable(),
        }),
      ),
    }),
  ),
});

export const webhookSecretSchema = z.object({
  object: z.literal("webhook_secret"),
  secret: z.string().describe("`whsec_…`, for Standard Webhooks verification"),
  created_at: isoTime,
  previous_secrets_expire_at: isoTime.optional().describe("rotation only: until then messages carry both signatures"),
});

export const healthSchema = z.object({ status: z.literal("ok") });

export const readinessSchema = z.object({
  status: z.enum(["ready", "not ready"]),
  checks: z.record(z.string(), z.string()).describe('"ok" or what is wrong, per check (database, redis, workers)'),
  workers: z.record(z.string(), z.int()).optional().describe("live workers per model"),
});

const residencyState = z.enum(["loaded", "loading", "unloaded"]);

/** GET /v1/dashboard/snapshot, and each `snapshot` event of GET /v1/dashboard/events. */
export const dashboardSnapshotSchema: z.ZodType<DashboardSnapshot> = z.object({
  scope: z.enum(["admin", "tenant"]).describe("admin: every tenant, workers included; tenant: the key's own jobs and webhooks"),
  at: isoTime,
  queues: z.array(z.object({ model: z.string(), waiting_by_priority: z.array(z.int()).describe("index = priority, 0 most urgent"), waiting: z.int(), active: z.int() })),
  models: z.array(z.object({ name: z.string(), default: z.boolean(), state: residencyState, workers: z.int().describe("workers that have it loaded") })),
  workers: z
    .array(
      z.object({
        id: z.string(),
        models: z.array(z.string()),
        running: z.int(),
        waiting: z.int(),
        kv_usage_ratio: z.number(),
        metrics_url: z.string().nullable(),
        seen_at: isoTime,
      }),
    )
    .optional()
    .describe("admin scope only"),
  jobs: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      model: z.string(),
      priority: z.int(),
      tenant: z.string().optional().describe("admin scope only"),
      created_at: isoTime,
      queue_wait_ms: z.number().nullable().describe("submit → started; null while queued"),
      latency_ms: z.number().describe("submit → finished, or so far while active"),
      completion_tokens: z.int(),
      error_code: z.string().nullable(),
    }),
  ),
  webhook_failures: z.array(
    z.object({
      delivery_id: z.string(),
      job_id: z.string(),
      event: z.string(),
      url: z.string(),
      outcome: z.string(),
      error: z.string(),
      attempts: z.int(),
      at: isoTime,
      tenant: z.string().optional().describe("admin scope only"),
    }),
  ),
});

/** POST /v1/admin/models/:id/load and /unload. */
export const modelCommandSchema = z.object({
  object: z.literal("model.command"),
  model: z.string(),
  action: z.enum(["load", "unload"]),
  workers: z.int().describe("worker processes listening now; those serving the model act on it (the outcome shows in GET /v1/models)"),
});

/** POST /internal/v1/results (shared/result-sink/result-report.ts's ResultAnswer, or `{ok: true}` for `hello`). */
export const resultAnswerSchema = z.object({
  ok: z.literal(true).optional().describe("`hello` only"),
  row: z.record(z.string(), z.unknown()).nullable().optional().describe("the job row after the report; null when unchanged (terminal or gone)"),
  engineRuns: z.int().optional().describe("`count-engine-run` only"),
});

/** components.schemas, by name; responses refer to them as `{ ref: name }`. */
export const COMPONENT_SCHEMAS = {
  Job: jobSchema,
  JobWithPosition: jobWithPositionSchema,
  JobList: jobListSchema,
  Problem: problemSchema,
  ApiKey: apiKeySchema,
  ApiKeyCreated: apiKeyCreatedSchema,
  ApiKeyList: apiKeyListSchema,
  TenantReassignment: tenantReassignmentSchema,
  WebhookDeliveryList: webhookDeliveryListSchema,
  WebhookSecret: webhookSecretSchema,
  Health: healthSchema,
  Readiness: readinessSchema,
  DashboardSnapshot: dashboardSnapshotSchema,
  ModelCommand: modelCommandSchema,
  ResultAnswer: resultAnswerSchema,
} satisfies Record<string, z.ZodType>;
export type ComponentName = keyof typeof COMPONENT_SCHEMAS;
