// Webhook deliveries on PostgreSQL: the same columns and row type as the SQLite table
// (../webhook-deliveries.ts, which owns the statuses).
import { bigint, index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { WEBHOOK_DELIVERY_STATUSES } from "../webhook-deliveries.ts";

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    jobId: text("job_id").notNull(),
    tenantId: text("tenant_id").notNull().default(""),
    event: text("event").notNull(),
    url: text("url").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    roundAttempts: integer("round_attempts").notNull().default(0),
    round: integer("round").notNull().default(0),
    queueJobId: text("queue_job_id").notNull(),
    nextAttemptAt: bigint("next_attempt_at", { mode: "number" }),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
    deliveredAt: bigint("delivered_at", { mode: "number" }),
  },
  (table) => [
    index("webhook_deliveries_job_idx").on(table.jobId),
    index("webhook_deliveries_status_idx").on(table.status, table.nextAttemptAt),
  ],
);
