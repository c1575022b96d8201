// The batches table on PostgreSQL: the same columns, indexes and row type as the SQLite table
// (../batches.ts, which owns the statuses). Times are epoch ms in bigint.
import { bigint, index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { BATCH_STATUSES } from "../batches.ts";

export const batches = pgTable(
  "batches",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().default(""),
    status: text("status", { enum: BATCH_STATUSES }).notNull(),
    endpoint: text("endpoint").notNull(),
    inputFileId: text("input_file_id").notNull(),
    completionWindow: text("completion_window").notNull(),
    priority: integer("priority").notNull(),
    model: text("model"),
    webhook: text("webhook"),
    metadata: text("metadata"),
    errors: text("errors"),
    outputFileId: text("output_file_id"),
    errorFileId: text("error_file_id"),
    total: integer("total").notNull().default(0),
    completed: integer("completed").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    promptTokens: bigint("prompt_tokens", { mode: "number" }).notNull().default(0),
    completionTokens: bigint("completion_tokens", { mode: "number" }).notNull().default(0),
    linesEnqueued: integer("lines_enqueued").notNull().default(0),
    leaseUntil: bigint("lease_until", { mode: "number" }).notNull().default(0),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
    inProgressAt: bigint("in_progress_at", { mode: "number" }),
    finalizingAt: bigint("finalizing_at", { mode: "number" }),
    completedAt: bigint("completed_at", { mode: "number" }),
    failedAt: bigint("failed_at", { mode: "number" }),
    expiredAt: bigint("expired_at", { mode: "number" }),
    cancellingAt: bigint("cancelling_at", { mode: "number" }),
    cancelledAt: bigint("cancelled_at", { mode: "number" }),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (table) => [index("batches_tenant_id_idx").on(table.tenantId, table.id), index("batches_status_idx").on(table.status, table.leaseUntil)],
);
