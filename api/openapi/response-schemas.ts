// Zod descriptions of what the API answers, for the OpenAPI document's components. Typed against
// the objects the handlers build (z.ZodType<T>), so a field added there without its schema here
// fails typecheck; test/integration/openapi-document.test.ts validates real answers against them.
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../../shared/errors.ts";
import type { JobSummary } from "../../shared/job-summary.ts";
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
} satisfies Record<string, z.ZodType>;
export type ComponentName = keyof typeof COMPONENT_SCHEMAS;
