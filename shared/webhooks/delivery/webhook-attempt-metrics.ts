// Wraps the webhook delivery processor to count each attempt by outcome and time it
// (genq_webhook_deliveries_total{outcome}, genq_webhook_delivery_seconds), and to push failed
// attempts onto the dashboard's failure feed. The processor's decisions are untouched.
import type { Job } from "bullmq";
import type { WebhookFailureFeed } from "../../dashboard/webhook-failure-feed.ts";
import type { Logger } from "../../logger.ts";
import type { WebhookDeliveryStore } from "../../store/webhook-delivery-store.ts";
import type { WebhookJobPayload } from "../../webhooks/webhook-queue.ts";
import { RetryLaterError } from "./webhook-delivery-processor.ts";

export interface WebhookAttemptMetricsDeps {
  deliveries: Pick<WebhookDeliveryStore, "get">;
  /** Counts attempts and their duration. */
  metrics: { deliveries: { inc(labels: { outcome: string }): void }; seconds: { observe(value: number): void } };
  failures?: WebhookFailureFeed;
  logger: Logger;
}

/** Outcomes that mean the receiver did not take the event (the dashboard lists them). */
const FAILURES = new Set(["retrying", "failed", "rejected", "disabled"]);

export function withWebhookAttemptMetrics(
  processor: (job: Job<WebhookJobPayload>) => Promise<string>,
  deps: WebhookAttemptMetricsDeps,
): (job: Job<WebhookJobPayload>) => Promise<string> {
  const record = (job: Job<WebhookJobPayload>, outcome: string, startMs: number) => {
    deps.metrics.deliveries.inc({ outcome });
    deps.metrics.seconds.observe((performance.now() - startMs) / 1000);
    if (FAILURES.has(outcome) && deps.failures) void pushFailure(deps, job.data.deliveryId, outcome);
  };
  return async (job) => {
    const startMs = performance.now();
    try {
      const outcome = await processor(job);
      // Not an attempt: the delivery was no longer pending (a duplicate run).
      if (outcome !== "not-pending") record(job, outcome, startMs);
      return outcome;
    } catch (error) {
      record(job, error instanceof RetryLaterError ? "retrying" : "error", startMs);
      throw error;
    }
  };
}

async function pushFailure(deps: WebhookAttemptMetricsDeps, deliveryId: string, outcome: string): Promise<void> {
  try {
    const row = await deps.deliveries.get(deliveryId);
    if (!row) return;
    await deps.failures!.push({
      deliveryId,
      jobId: row.jobId,
      tenantId: row.tenantId,
      event: row.event,
      url: row.url,
      outcome,
      error: row.lastError ?? "",
      attempts: row.attempts,
      atMs: Date.now(),
    });
  } catch (error) {
    deps.logger.debug("could not record a webhook failure for the dashboard", { deliveryId, error });
  }
}
