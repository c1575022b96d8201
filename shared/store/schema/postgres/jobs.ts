// The jobs table on PostgreSQL: the same columns, indexes and row type as the SQLite table
// (../jobs.ts, which owns the statuses and the terminal check). Times are epoch ms in bigint.
import { bigint, boolean, index, integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { JOB_STATUSES } from "../jobs.ts";

export const jobs = pgTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().default(""),
    model: text("model").notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    priority: integer("priority").notNull(),
    input: text("input").notNull(),
    params: text("params").notNull(),
    webhook: text("webhook"),
    metadata: text("metadata"),
    idempotencyKey: text("idempotency_key"),
    requestHash: text("request_hash"),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    outputText: text("output_text"),
    finishReason: text("finish_reason", { enum: ["stop", "length", "canceled", "timeout"] }),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    queueDeadlineAt: bigint("queue_deadline_at", { mode: "number" }),
    runTimeoutMs: bigint("run_timeout_ms", { mode: "number" }),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    attempts: integer("attempts").notNull().default(0),
    engineRuns: integer("engine_runs").notNull().default(0),
    version: integer("version").notNull().default(1),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    startedAt: bigint("started_at", { mode: "number" }),
    completedAt: bigint("completed_at", { mode: "number" }),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (table) => [
    index("jobs_tenant_id_idx").on(table.tenantId, table.id),
    index("jobs_status_idx").on(table.status, table.updatedAt),
    index("jobs_tenant_status_idx").on(table.tenantId, table.status, table.model),
    index("jobs_queue_deadline_idx").on(table.status, table.queueDeadlineAt),
    uniqueIndex("jobs_idempotency_idx").on(table.tenantId, table.idempotencyKey),
  ],
);
