// POST /v1/jobs/:id/cancel — a queued job is canceled at once and removed from the queue; a
// running one is signalled (it stops at its next step, keeping partial text); we wait briefly.
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { isTerminalStatus } from "../../../shared/store/schema/jobs.ts";
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
    const canceled = row.status === "queued" ? await deps.lifecycle.cancelQueued(row.id) : undefined;
    if (canceled) {
      await deps.queue.remove(canceled.id, canceled.model).catch(() => false);
      return respondWithJob(c, canceled, 200, view);
    }
    // Running (or it started between our read and our update): signal the worker, wait briefly.
    row = (await deps.lifecycle.requestCancel(row.id)) ?? (await deps.store.jobs.get(row.id)) ?? row;
    row = await awaitTerminal(deps, row, RUNNING_CANCEL_WAIT_MS, c.req.raw.signal);
    return respondWithJob(c, row, isTerminalStatus(row.status) ? 200 : 202, view);
  };
}
