// The webhook part of the store port: deliveries (one per job x event) and their attempt log.
// Each method is one atomic decision in every implementation; state changes are conditional
// (only a `pending` delivery is attempted), so duplicate BullMQ runs stay harmless.
import type { JobRow } from "./schema/jobs.ts";
import type { WebhookAttemptOutcome, WebhookAttemptRow } from "./schema/webhook-attempts.ts";
import type { NewWebhookDeliveryRow, WebhookDeliveryRow, WebhookDeliveryStatus } from "./schema/webhook-deliveries.ts";

export interface AttemptResult {
  outcome: Exclude<WebhookAttemptOutcome, "in_progress" | "interrupted">;
  /** The delivery's state afterwards. */
  status: WebhookDeliveryStatus;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  nextAttemptAt: number | null;
}

export interface DeliveryWithAttempts extends WebhookDeliveryRow {
  log: WebhookAttemptRow[];
}

export interface WebhookDeliveryStore {
  /** Inserts the delivery unless this message exists; returns the stored row either way. */
  insertIfAbsent(row: NewWebhookDeliveryRow): Promise<WebhookDeliveryRow>;
  get(id: string): Promise<WebhookDeliveryRow | undefined>;
  listForJob(jobId: string): Promise<DeliveryWithAttempts[]>;
  /**
   * Counts an attempt and logs it as in progress; undefined when the delivery is not pending (a
   * duplicate run). An earlier attempt still `in_progress` is written off as interrupted.
   */
  beginAttempt(id: string, nowMs: number): Promise<{ attemptId: number; delivery: WebhookDeliveryRow } | undefined>;
  /** False when the attempt was already written off as interrupted (its worker had lost the job). */
  finishAttempt(id: string, attemptId: number, result: AttemptResult, nowMs: number): Promise<boolean>;
  /** Redelivery: a finished delivery becomes pending again with a fresh schedule and BullMQ job id. */
  startRound(id: string, nowMs: number): Promise<WebhookDeliveryRow | undefined>;
  /** Pending deliveries whose next attempt is overdue: candidates for the reconciler. */
  listOverdue(dueBeforeMs: number, limit: number): Promise<WebhookDeliveryRow[]>;
  /** Closes a pending delivery without an attempt (`failed`, with the reason as its last error). */
  abandon(id: string, reason: string, nowMs: number): Promise<void>;
  /** Points a pending delivery at a replacement BullMQ job (the old one was lost with Redis). */
  requeued(id: string, queueJobId: string, nowMs: number): Promise<void>;
  /**
   * Terminal jobs updated in (sinceMs, untilMs] whose webhook wants their terminal event but
   * that have no delivery for it (the process died between the row write and the dispatch).
   */
  listJobsMissingTerminalDelivery(sinceMs: number, untilMs: number, limit: number): Promise<JobRow[]>;
}
