// The webhook attempt log: one row per POST (status code, latency, error, when the next one is
// due). Written as `in_progress` before the request, so a crash mid-delivery still leaves a trace.
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const WEBHOOK_ATTEMPT_OUTCOMES = [
  "in_progress",
  "succeeded",
  "retrying",
  "failed",
  "disabled",
  "rejected",
  "interrupted",
] as const;
export type WebhookAttemptOutcome = (typeof WEBHOOK_ATTEMPT_OUTCOMES)[number];

export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deliveryId: text("delivery_id").notNull(),
    jobId: text("job_id").notNull(),
    /** 1-based over the delivery's whole life (all rounds). */
    attempt: integer("attempt").notNull(),
    startedAt: integer("started_at").notNull(),
    latencyMs: integer("latency_ms"),
    statusCode: integer("status_code"),
    error: text("error"),
    outcome: text("outcome", { enum: WEBHOOK_ATTEMPT_OUTCOMES }).notNull(),
    nextAttemptAt: integer("next_attempt_at"),
  },
  (table) => [index("webhook_attempts_job_idx").on(table.jobId, table.id), index("webhook_attempts_delivery_idx").on(table.deliveryId)],
);

export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
