// The public job object (DESIGN "Job object") as the API answers it, and its ETag. The shape is
// built in shared/job-summary.ts so webhooks and SSE announce exactly the same object.
import type { JobRow } from "../../../shared/store/schema/jobs.ts";
import { jobSummary, type JobSummary } from "../../../shared/job-summary.ts";
import type { IssuedStreamToken } from "./stream-url.ts";

export type JobObject = JobSummary;

/**
 * Links stay relative in API answers: they are right behind any proxy or host name. With a
 * stream token, `urls.events` is a URL a browser's EventSource can open without a header.
 */
export function toJobObject(row: JobRow, stream?: IssuedStreamToken): JobObject {
  const job = jobSummary(row);
  if (stream) job.urls.events += `?token=${stream.token}`;
  return job;
}

/** Changes whenever the row changes (version) and differs per representation variant. */
export function jobEtag(row: JobRow, variant = ""): string {
  return `"${row.id.slice(4)}.${row.version}${variant ? "." + variant : ""}"`;
}
