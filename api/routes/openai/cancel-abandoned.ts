// What happens to the job of an OpenAI request whose client went away before it finished.
import type { AppDeps } from "../../app-deps.ts";
import { isTerminalStatus } from "../../../shared/store/schema/jobs.ts";
import { cancelJob } from "../jobs/cancel-job.ts";
import type { Submission } from "../jobs/submit-job.ts";

/**
 * The client went away before its job finished: nobody will read the answer, so the job is
 * canceled (queued: at once; running: at its next token). A replayed request's job belongs to
 * the request that created it and is left alone.
 */
export async function cancelAbandoned(deps: AppDeps, submission: Submission): Promise<void> {
  if (submission.replayed) return;
  try {
    const row = await deps.store.jobs.get(submission.row.id);
    if (row && !isTerminalStatus(row.status)) await cancelJob(deps, row);
  } catch (error) {
    deps.logger.warn("canceling an abandoned request's job failed", { jobId: submission.row.id, error });
  }
}
