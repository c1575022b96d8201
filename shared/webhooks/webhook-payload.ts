// The webhook body ({type, timestamp, data: job}) kept under a size limit: past it the output
// text is replaced by a link to fetch it (then metadata too), so receivers never get megabytes.
import type { JobRow } from "../store/schema/jobs.ts";
import { jobSummary } from "../job-summary.ts";
import type { WebhookEvent } from "./webhook-events.ts";

export function buildWebhookPayload(row: JobRow, event: WebhookEvent, options: { maxBytes: number; baseUrl: string }): string {
  const at = event === "job.started" ? row.startedAt : row.completedAt;
  const data: Record<string, unknown> = { ...jobSummary(row, options.baseUrl) };
  if (event === "job.started") {
    // Frozen at dispatch: the started event describes the job as it started.
    Object.assign(data, { status: "running", output: null, completed_at: null });
  }
  const envelope = { type: event, timestamp: new Date(at ?? Date.now()).toISOString(), data };
  let body = JSON.stringify(envelope);
  if (Buffer.byteLength(body) <= options.maxBytes) return body;
  const output = data.output as { finish_reason: string } | null;
  if (output) {
    data.output = { text: null, finish_reason: output.finish_reason, truncated: true };
    data.output_url = `${options.baseUrl}/v1/jobs/${row.id}?fields=output`;
  }
  body = JSON.stringify(envelope);
  if (Buffer.byteLength(body) <= options.maxBytes) return body;
  data.metadata = null;
  data.metadata_omitted = true;
  return JSON.stringify(envelope);
}
