// The OpenAI batch object for a batch row: status, `*_at` times in Unix seconds, request_counts,
// result file ids and `errors` ({object: "list", data}); genq's extensions `priority`, `webhook`.
import type { BatchRow } from "../../../shared/store/schema/batches.ts";

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

function parsed<T>(json: string | null): T | null {
  return json === null ? null : (JSON.parse(json) as T);
}

export function toBatchObject(row: BatchRow) {
  const errors = parsed<unknown[]>(row.errors);
  return {
    id: row.id,
    object: "batch" as const,
    endpoint: row.endpoint,
    model: row.model,
    errors: errors ? { object: "list" as const, data: errors } : null,
    input_file_id: row.inputFileId,
    completion_window: row.completionWindow,
    status: row.status,
    output_file_id: row.outputFileId,
    error_file_id: row.errorFileId,
    created_at: seconds(row.createdAt)!,
    in_progress_at: seconds(row.inProgressAt),
    expires_at: seconds(row.expiresAt),
    finalizing_at: seconds(row.finalizingAt),
    completed_at: seconds(row.completedAt),
    failed_at: seconds(row.failedAt),
    expired_at: seconds(row.expiredAt),
    cancelling_at: seconds(row.cancellingAt),
    cancelled_at: seconds(row.cancelledAt),
    request_counts: { total: row.total, completed: row.completed, failed: row.failed },
    metadata: parsed<Record<string, string>>(row.metadata),
    usage: { input_tokens: row.promptTokens, output_tokens: row.completionTokens, total_tokens: row.promptTokens + row.completionTokens },
    priority: row.priority,
    webhook: parsed<{ url: string }>(row.webhook),
  };
}

export type BatchObject = ReturnType<typeof toBatchObject>;
