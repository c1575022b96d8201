// The public job object (DESIGN "Job object") as the API answers it, and its ETag. The shape is
// built in shared/job-summary.ts so webhooks and SSE announce exactly the same object.
import type { JobRow } from "../../../shared/store/schema/jobs.ts";
import { jobSummary, type JobSummary } from "../../../shared/job-summary.ts";

export type JobObject = JobSummary;

/** Links stay relative in API answers: they are right behind any proxy or host name. */
export function toJobObject(row: JobRow): JobObject {
  return jobSummary(row);
}

/** Changes whenever the row changes (version) and differs per representation variant. */
export function jobEtag(row: JobRow, variant = ""): string {
  return `"${row.id.slice(4)}.${row.version}${variant ? "." + variant : ""}"`;
}
