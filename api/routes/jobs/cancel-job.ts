// POST /v1/jobs/:id/cancel — a queued job is canceled at once and removed from the queue; a
// running one is signalled (it stops at its next step, keeping partial text); we wait briefly.
// cancelJob is also how the OpenAI routes stop the job of a client that went away.
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { isTerminalStatus, type JobRow } from "../../../shared/store/schema/jobs.ts";
import { findJobOr404 } from "./find-job.ts";
import { respondWithJob } from "./get-job.ts";
import { awaitTerminal } from "./await-terminal.ts";
import { streamTokenFor } from "./stream-url.ts";

const RUNNING_CANCEL_WAIT_MS = 2_000;

export function cancelJobHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    let row = await findJobOr404(deps, c);
    const view = { stream: streamTokenFor(c, deps, row.id) };
    if (isTerminalStatus(row.status)) {
      if (row.status === "canceled") return respondWithJob(c, row, 200, view);
      throw new GenqError("JOB_NOT_CANCELABLE", `job is already ${row.status}`);
    }
    row = await cancelJob(deps, row);
    if (row.status === "canceled") return respondWithJob(c, row, 200, view);
    row = await awaitTerminal(deps, row, RUNNING_CANCEL_WAIT_MS, c.req.raw.signal);
    return respondWithJob(c, row, isTerminalStatus(row.status) ? 200 : 202, view);
  };
}

/**
 * Cancels an active job: a queued one at once (removed from the queue), a running one by signal
 * (its worker writes `canceled` with the partial text at its next step). Returns the row after.
 */
export async function cancelJob(deps: AppDeps, row: JobRow): Promise<JobRow> {
  const canceled = row.status === "queued" ? await deps.lifecycle.cancelQueued(row.id) : undefined;
  if (canceled) {
    // Not removable: a worker holds it unstarted (admission lookahead); tell it to drop it now.
    const removed = await deps.queue.remove(canceled.id, canceled.model).catch(() => false);
    if (!removed) await deps.events.publishCancel(canceled.id).catch(() => {});
    return canceled;
  }
  // Running (or it started between our read and our update): signal the worker.
  return (await deps.lifecycle.requestCancel(row.id)) ?? (await deps.store.jobs.get(row.id)) ?? row;
}
