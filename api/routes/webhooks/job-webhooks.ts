// GET /v1/jobs/:id/webhooks — the job's webhook deliveries and every attempt (status code,
// latency, error, next attempt); POST /v1/jobs/:id/webhooks/redeliver[?event=] replays them.
// Tenant-scoped through findJobOr404.
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import type { DeliveryWithAttempts } from "../../../shared/store/webhook-delivery-store.ts";
import { WEBHOOK_EVENTS, parseWebhookTarget, type WebhookEvent } from "../../../shared/webhooks/webhook-events.ts";
import { findJobOr404 } from "../jobs/find-job.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function listJobWebhooksHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const row = await findJobOr404(deps, c);
    return c.json(deliveryList(row.id, await deps.store.webhookDeliveries.listForJob(row.id)));
  };
}

export function redeliverJobWebhooksHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const row = await findJobOr404(deps, c);
    const event = c.req.query("event");
    if (event !== undefined && !(WEBHOOK_EVENTS as readonly string[]).includes(event)) {
      throw new GenqError("VALIDATION_FAILED", `event must be one of ${WEBHOOK_EVENTS.join(", ")}`, {
        errors: [{ field: "event", message: `one of ${WEBHOOK_EVENTS.join(", ")}` }],
      });
    }
    if (!parseWebhookTarget(row.webhook)) throw new GenqError("WEBHOOK_NOT_CONFIGURED", "this job has no webhook");
    await deps.webhooks.redeliver(row, event as WebhookEvent | undefined);
    return c.json(deliveryList(row.id, await deps.store.webhookDeliveries.listForJob(row.id)), 202);
  };
}

function deliveryList(jobId: string, deliveries: DeliveryWithAttempts[]) {
  return {
    object: "list",
    job_id: jobId,
    data: deliveries.map((d) => ({
      id: d.id,
      object: "webhook_delivery",
      event: d.event,
      url: d.url,
      status: d.status,
      attempts: d.attempts,
      round: d.round,
      last_status_code: d.lastStatusCode,
      last_error: d.lastError,
      next_attempt_at: d.status === "pending" ? iso(d.nextAttemptAt) : null,
      created_at: iso(d.createdAt),
      delivered_at: iso(d.deliveredAt),
      log: d.log.map((a) => ({
        attempt: a.attempt,
        started_at: iso(a.startedAt),
        outcome: a.outcome,
        status_code: a.statusCode,
        latency_ms: a.latencyMs,
        error: a.error,
        next_attempt_at: iso(a.nextAttemptAt),
      })),
    })),
  };
}
