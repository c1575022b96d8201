// The public job object (DESIGN "Job object") built from a row, and its ETag.
import type { JobRow } from "../../../shared/db/schema/jobs.ts";
import { TERMINAL_STATUSES } from "../../../shared/db/schema/jobs.ts";

export interface JobObject {
  id: string;
  object: "job";
  status: JobRow["status"];
  model: string;
  priority: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  output: { text: string; finish_reason: string } | null;
  usage: { prompt_tokens: number; completion_tokens: number };
  error: { code: string; message: string } | null;
  metadata: Record<string, unknown> | null;
  urls: { self: string; cancel: string; events: string };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toJobObject(row: JobRow): JobObject {
  const self = `/v1/jobs/${row.id}`;
  return {
    id: row.id,
    object: "job",
    status: row.status,
    model: row.model,
    priority: row.priority,
    created_at: iso(row.createdAt)!,
    started_at: iso(row.startedAt),
    completed_at: iso(row.completedAt),
    output:
      row.outputText !== null && row.finishReason !== null ? { text: row.outputText, finish_reason: row.finishReason } : null,
    usage: { prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens },
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
    metadata: row.metadata ? (JSON.parse(row.metadata) as Record<string, unknown>) : null,
    urls: { self, cancel: `${self}/cancel`, events: `${self}/events` },
  };
}

export function isTerminalRow(row: JobRow): boolean {
  return TERMINAL_STATUSES.includes(row.status);
}

/** Changes whenever the row changes (version) and differs per representation variant. */
export function jobEtag(row: JobRow, variant = ""): string {
  return `"${row.id.slice(4)}.${row.version}${variant ? "." + variant : ""}"`;
}
