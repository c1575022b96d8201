// The jobs table: the source of truth for every accepted job (DESIGN invariant 1). Times are
// epoch milliseconds; `version` increases on every change and feeds the ETag.
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "canceled", "expired"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "canceled", "expired"];
export const ACTIVE_STATUSES: readonly JobStatus[] = ["queued", "running"];

/** The one terminal check (invariant 4: terminal states are final). Accepts any string (stream and HTTP data). */
export function isTerminalStatus(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** The tenant of jobs submitted while the API needs no key (loopback quick start, GENQ_AUTH=off). */
export const OPEN_TENANT = "";

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    /** Owner; "" when the service runs without API keys. */
    tenantId: text("tenant_id").notNull().default(""),
    model: text("model").notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    priority: integer("priority").notNull(),
    /** JSON: {prompt} or {messages}. */
    input: text("input").notNull(),
    /** JSON: generation parameters (max_tokens, temperature, ...). */
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
    /** created_at + max_queue_seconds: not started by then → expired (QUEUE_TIMEOUT). Null: no limit. */
    queueDeadlineAt: integer("queue_deadline_at"),
    /** timeout_seconds × 1000: running past started_at + this → expired (RUN_TIMEOUT). Null: no limit. */
    runTimeoutMs: integer("run_timeout_ms"),
    cancelRequested: integer("cancel_requested", { mode: "boolean" }).notNull().default(false),
    attempts: integer("attempts").notNull().default(0),
    /**
     * Times the engine started this job, less the runs handed back cleanly on shutdown. A run that
     * returns makes the row terminal, so on an active row every counted run ended in a crash
     * (engine error or dead worker): at GENQ_MAX_JOB_RUNS it is a poison job.
     */
    engineRuns: integer("engine_runs").notNull().default(0),
    /** The batch this job is a line of (null: submitted on its own), and the line's custom_id. */
    batchId: text("batch_id"),
    customId: text("custom_id"),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    completedAt: integer("completed_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    index("jobs_tenant_id_idx").on(table.tenantId, table.id),
    index("jobs_status_idx").on(table.status, table.updatedAt),
    // Per-tenant admission (active-job cap, fair-queue rank) counts queued/running rows by this.
    index("jobs_tenant_status_idx").on(table.tenantId, table.status, table.model),
    // The deadline sweeper finds queued rows past their queue deadline by this.
    index("jobs_queue_deadline_idx").on(table.status, table.queueDeadlineAt),
    // A batch's progress counts and its output file read its lines by this (never a table scan).
    index("jobs_batch_idx").on(table.batchId, table.status),
    uniqueIndex("jobs_idempotency_idx").on(table.tenantId, table.idempotencyKey),
  ],
);

export type JobRow = typeof jobs.$inferSelect;
export type NewJobRow = typeof jobs.$inferInsert;
