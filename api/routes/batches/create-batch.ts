// POST /v1/batches — OpenAI's create-batch body (input_file_id, endpoint, completion_window "24h",
// metadata) plus genq's extensions `priority` (default 8: interactive work overtakes batch lines)
// and `webhook` ({url} for batch.* events). Answers at once with the batch `validating`; the
// batch runner validates and enqueues the lines in the background.
import type { Context } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { newBatchId } from "../../../shared/batches/batch-ids.ts";
import { PRIORITY_ALIASES } from "../../../shared/jobs.ts";
import { checkWebhookUrl } from "../../../shared/webhooks/webhook-url-check.ts";
import { readJsonBody } from "../../middleware/json-body.ts";
import { priority, webhookUrl } from "../jobs/create-job-request.ts";
import { validationError } from "../jobs/validation-problems.ts";
import { toBatchObject } from "./batch-object.ts";

/** Batch lines run at "low" unless the batch says otherwise. */
export const DEFAULT_BATCH_PRIORITY = PRIORITY_ALIASES.low;

export const createBatchRequest = z.strictObject({
  input_file_id: z.string().min(1).max(80),
  endpoint: z.enum(["/v1/chat/completions", "/v1/completions"], "endpoint must be /v1/chat/completions or /v1/completions"),
  completion_window: z.literal("24h", 'completion_window must be "24h"'),
  // OpenAI's limits: 16 pairs, keys up to 64 and values up to 512 characters.
  metadata: z
    .record(z.string().max(64), z.string().max(512))
    .refine((m) => Object.keys(m).length <= 16, "at most 16 pairs")
    .nullable()
    .optional(),
  priority: priority.default(DEFAULT_BATCH_PRIORITY),
  webhook: z.strictObject({ url: webhookUrl }).optional(),
});

export function createBatchHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const raw = await readJsonBody(c, deps.limits.maxBodyBytes, deps.limits.maxJsonDepth);
    const parsed = createBatchRequest.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    const tenantId = c.get("tenantId");
    if (body.webhook) checkWebhookUrl(body.webhook.url, deps.webhookPolicy);
    const file = await deps.store.files.getForTenant(body.input_file_id, tenantId);
    if (!file || file.purpose !== "batch") {
      throw new GenqError("FILE_NOT_FOUND", `no batch input file ${body.input_file_id}`, { errors: [{ field: "input_file_id", message: "no such file" }] });
    }
    const nowMs = deps.now();
    const row = await deps.store.batches.create({
      id: newBatchId(nowMs),
      tenantId,
      status: "validating",
      endpoint: body.endpoint,
      inputFileId: file.id,
      completionWindow: body.completion_window,
      priority: body.priority,
      webhook: body.webhook ? JSON.stringify(body.webhook) : null,
      metadata: body.metadata ? JSON.stringify(body.metadata) : null,
      createdAt: nowMs,
      expiresAt: nowMs + deps.batchConfig.windowMs,
      updatedAt: nowMs,
    });
    deps.batchDriver.kick(row.id);
    return c.json(toBatchObject(row), 200);
  };
}
