// The job as other processes announce it (webhook payloads, SSE status events): the same
// fields as the API's job object, built from the row without importing api/.
import type { JobRow } from "./store/schema/jobs.ts";

export interface JobSummary {
  id: string;
  object: "job";
  status: JobRow["status"];
  model: string;
  priority: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  output: { text: string | null; finish_reason: string; truncated?: true } | null;
  usage: { prompt_tokens: number; completion_tokens: number };
  error: { code: string; message: string } | null;
  metadata: Record<string, unknown> | null;
  urls: { self: string; cancel: string; events: string };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** `baseUrl` prefixes the links ("" keeps them relative, as the API answers them). */
export function jobSummary(row: JobRow, baseUrl = ""): JobSummary {
  const self = `${baseUrl}/v1/jobs/${row.id}`;
  return {
    id: row.id,
    object: "job",
    status: row.status,
    model: row.model,
    priority: row.priority,
    created_at: iso(row.createdAt)!,
    started_at: iso(row.startedAt),
    completed_at: iso(row.completedAt),
    output: row.outputText !== null && row.finishReason !== null ? { text: row.outputText, finish_reason: row.finishReason } : null,
    usage: { prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens },
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
    metadata: row.metadata ? (JSON.parse(row.metadata) as Record<string, unknown>) : null,
    urls: { self, cancel: `${self}/cancel`, events: `${self}/events` },
  };
}
