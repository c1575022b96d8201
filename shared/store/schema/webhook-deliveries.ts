// One row per webhook message (job x event): its frozen payload, target URL and delivery state.
// The id is the Standard Webhooks `webhook-id` (msg_<job id>_<event>), stable across retries.
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "delivered", "failed", "disabled"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    jobId: text("job_id").notNull(),
    tenantId: text("tenant_id").notNull().default(""),
    event: text("event").notNull(),
    url: text("url").notNull(),
    /** The JSON body, frozen at dispatch so every retry (and redelivery) sends the same bytes. */
    payload: text("payload").notNull(),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull(),
    /** Attempts over all rounds; `roundAttempts` restarts at 0 on redelivery (it indexes the schedule). */
    attempts: integer("attempts").notNull().default(0),
    roundAttempts: integer("round_attempts").notNull().default(0),
    /** Manual redeliveries so far; each round runs as its own BullMQ job. */
    round: integer("round").notNull().default(0),
    /** The BullMQ job carrying the current round (the reconciler re-adds it if Redis lost it). */
    queueJobId: text("queue_job_id").notNull(),
    nextAttemptAt: integer("next_attempt_at"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deliveredAt: integer("delivered_at"),
  },
  (table) => [
    index("webhook_deliveries_job_idx").on(table.jobId),
    index("webhook_deliveries_status_idx").on(table.status, table.nextAttemptAt),
  ],
);

export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type NewWebhookDeliveryRow = typeof webhookDeliveries.$inferInsert;
