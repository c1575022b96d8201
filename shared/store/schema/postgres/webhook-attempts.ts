// The webhook attempt log on PostgreSQL: the same columns and row type as the SQLite table
// (../webhook-attempts.ts, which owns the outcomes); the id is an identity column.
import { bigint, index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { WEBHOOK_ATTEMPT_OUTCOMES } from "../webhook-attempts.ts";

export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    deliveryId: text("delivery_id").notNull(),
    jobId: text("job_id").notNull(),
    attempt: integer("attempt").notNull(),
    startedAt: bigint("started_at", { mode: "number" }).notNull(),
    latencyMs: integer("latency_ms"),
    statusCode: integer("status_code"),
    error: text("error"),
    outcome: text("outcome", { enum: WEBHOOK_ATTEMPT_OUTCOMES }).notNull(),
    nextAttemptAt: bigint("next_attempt_at", { mode: "number" }),
  },
  (table) => [index("webhook_attempts_job_idx").on(table.jobId, table.id), index("webhook_attempts_delivery_idx").on(table.deliveryId)],
);
