// The BullMQ processor for one webhook delivery attempt: sign with every live secret, POST,
// record the attempt, then decide. 2xx delivered; 410 disables the URL for this job; SSRF
// refusal fails at once; anything else retries on the schedule (Retry-After honoured) by
// throwing RetryLaterError, which the worker's backoff strategy turns into BullMQ's delay.
import type { Job } from "bullmq";
import type { AttemptResult, WebhookDeliveryStore } from "../../store/webhook-delivery-store.ts";
import type { WebhookSecretStore } from "../../store/webhook-secret-store.ts";
import type { Logger } from "../../logger.ts";
import type { JobStore } from "../../store/job-store.ts";
import { isTerminalStatus } from "../../store/schema/jobs.ts";
import type { WebhookJobPayload } from "../../webhooks/webhook-queue.ts";
import { nextRetry } from "../../webhooks/retry-schedule.ts";
import { signWebhook } from "../../webhooks/webhook-signer.ts";
import type { WebhookSender } from "./webhook-sender.ts";

export interface WebhookDeliveryProcessorDeps {
  deliveries: WebhookDeliveryStore;
  secrets: WebhookSecretStore;
  sender: WebhookSender;
  /** Delay before each attempt of a round (GENQ_WEBHOOK_RETRY_SCHEDULE). */
  scheduleMs: number[];
  /** +/- fraction applied to each delay (GENQ_WEBHOOK_RETRY_JITTER). */
  jitter: number;
  /** Job rows: a failed `job.started` is not retried once its job is terminal. */
  jobs: Pick<JobStore, "get">;
  logger: Logger;
  now?: () => number;
}

/** Thrown to make BullMQ retry after `delayMs` (the state is already recorded in SQLite). */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = "RetryLaterError";
  }
}

/** BullMQ custom backoff: the delay the processor chose. */
export function webhookBackoff(_attemptsMade: number, _type?: string, error?: Error): number {
  const delayMs = (error as Partial<RetryLaterError> | undefined)?.delayMs;
  return typeof delayMs === "number" ? delayMs : 1_000;
}

const MOOT_STARTED = "not retried: the job already finished, so job.started is no longer news";

async function startedIsMoot(deps: WebhookDeliveryProcessorDeps, delivery: { event: string; jobId: string }): Promise<boolean> {
  if (delivery.event !== "job.started") return false;
  const row = await deps.jobs.get(delivery.jobId);
  return row !== undefined && isTerminalStatus(row.status);
}

export function createWebhookDeliveryProcessor(deps: WebhookDeliveryProcessorDeps) {
  const now = deps.now ?? Date.now;
  return async (job: Job<WebhookJobPayload>): Promise<string> => {
    // A retry of job.started after the job finished would only arrive after its terminal event.
    const queued = await deps.deliveries.get(job.data.deliveryId);
    if (queued && queued.roundAttempts > 0 && (await startedIsMoot(deps, queued))) {
      await deps.deliveries.abandon(queued.id, MOOT_STARTED, now());
      return "superseded";
    }
    const begun = await deps.deliveries.beginAttempt(job.data.deliveryId, now());
    if (!begun) return "not-pending";
    const { attemptId, delivery } = begun;
    const headers = signWebhook(delivery.id, new Date(now()), delivery.payload, await deps.secrets.signingSecrets(delivery.tenantId, now()));
    const sent = await deps.sender.send(delivery.url, { ...headers }, delivery.payload);
    const base = { statusCode: sent.statusCode, latencyMs: sent.latencyMs, error: sent.error };
    const record = async (result: Omit<AttemptResult, keyof typeof base>) => deps.deliveries.finishAttempt(delivery.id, attemptId, { ...base, ...result }, now());

    if (sent.statusCode !== null && sent.statusCode >= 200 && sent.statusCode < 300) {
      await record({ outcome: "succeeded", status: "delivered", nextAttemptAt: null });
      return "delivered";
    }
    if (sent.statusCode === 410) {
      await record({ outcome: "disabled", status: "disabled", nextAttemptAt: null });
      deps.logger.info("webhook receiver answered 410 Gone; no more attempts for this job", { deliveryId: delivery.id });
      return "disabled";
    }
    if (sent.refused) {
      await record({ outcome: "rejected", status: "failed", nextAttemptAt: null });
      deps.logger.info("webhook refused by the SSRF guard", { deliveryId: delivery.id, tenantId: delivery.tenantId });
      if (sent.refusalDetail) deps.logger.debug("webhook SSRF refusal detail", { deliveryId: delivery.id, detail: sent.refusalDetail });
      return "rejected";
    }
    if (await startedIsMoot(deps, delivery)) {
      const error = `${sent.error ?? `HTTP ${sent.statusCode}`}; ${MOOT_STARTED}`;
      await deps.deliveries.finishAttempt(delivery.id, attemptId, { ...base, error, outcome: "failed", status: "failed", nextAttemptAt: null }, now());
      return "superseded";
    }
    const decision = nextRetry(deps.scheduleMs, delivery.roundAttempts, deps.jitter, sent.retryAfterMs);
    if (!decision.retry) {
      await record({ outcome: "failed", status: "failed", nextAttemptAt: null });
      deps.logger.warn("webhook delivery gave up", { deliveryId: delivery.id, attempts: delivery.attempts, error: sent.error });
      return "failed";
    }
    // False: a newer attempt wrote this one off (this worker had stalled); it owns the retries.
    if (!(await record({ outcome: "retrying", status: "pending", nextAttemptAt: now() + decision.delayMs }))) return "superseded";
    throw new RetryLaterError(sent.error ?? "delivery failed", decision.delayMs);
  };
}
