// The batches table (OpenAI Batches): one row per batch with its status, `*_at` times, cached
// request counts and the intake progress (`lines_enqueued`) a restarted API resumes from.
// Its lines are ordinary job rows carrying `batch_id` and `custom_id`. Times are epoch ms.
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

export const BATCH_STATUSES = ["validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const TERMINAL_BATCH_STATUSES: readonly BatchStatus[] = ["failed", "completed", "expired", "cancelled"];

export function isTerminalBatchStatus(status: string): boolean {
  return (TERMINAL_BATCH_STATUSES as readonly string[]).includes(status);
}

export const batches = sqliteTable(
  "batches",
  {
    /** "batch_" + ULID. */
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().default(""),
    status: text("status", { enum: BATCH_STATUSES }).notNull(),
    endpoint: text("endpoint").notNull(),
    inputFileId: text("input_file_id").notNull(),
    completionWindow: text("completion_window").notNull(),
    /** genq priority of every line (0 most urgent; default 8, so interactive work overtakes). */
    priority: integer("priority").notNull(),
    /** The one model of all lines, known once validation read the first line. */
    model: text("model"),
    /** JSON {url}: batch.* events go here (Standard Webhooks). */
    webhook: text("webhook"),
    metadata: text("metadata"),
    /** JSON [{code, message, line, param}] when validation failed. */
    errors: text("errors"),
    outputFileId: text("output_file_id"),
    errorFileId: text("error_file_id"),
    /** Lines in the input file (set when validation passed). */
    total: integer("total").notNull().default(0),
    /** Lines whose job succeeded / ended otherwise; refreshed from the jobs index by the runner. */
    completed: integer("completed").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** Tokens of the finished lines so far (OpenAI's batch `usage`), refreshed with the counts. */
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    /** Lines inserted as jobs and added to the queue: intake resumes after this many. */
    linesEnqueued: integer("lines_enqueued").notNull().default(0),
    /** An API process drives this batch until then (intake, counts, finalization); then any may. */
    leaseUntil: integer("lease_until").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    inProgressAt: integer("in_progress_at"),
    finalizingAt: integer("finalizing_at"),
    completedAt: integer("completed_at"),
    failedAt: integer("failed_at"),
    expiredAt: integer("expired_at"),
    cancellingAt: integer("cancelling_at"),
    cancelledAt: integer("cancelled_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [index("batches_tenant_id_idx").on(table.tenantId, table.id), index("batches_status_idx").on(table.status, table.leaseUntil)],
);

export type BatchRow = typeof batches.$inferSelect;
export type NewBatchRow = typeof batches.$inferInsert;
