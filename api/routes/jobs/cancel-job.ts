// POST /v1/jobs/:id/cancel — a queued job is canceled at once and removed from the queue; a
// running one is signalled (it stops at its next step, keeping partial text); we wait briefly.
import type { Context } from "hono";
import type { AppDeps } from "../../app-deps.ts";
import type { AppEnv } from "../../app-env.ts";
import { GenqError } from "../../../shared/errors.ts";
import { findJobOr404 } from "./find-job.ts";
import { isTerminalRow } from "./job-object.ts";
import { respondWithJob } from "./get-job.ts";
import { awaitTerminal } from "./await-terminal.ts";

const RUNNING_CANCEL_WAIT_MS = 2_000;

export function cancelJobHandler(deps: AppDeps) {
  const now = deps.now ?? Date.now;
  return async (c: Context<AppEnv>) => {
    let row = findJobOr404(deps, c);
    if (isTerminalRow(row)) {
      if (row.status === "canceled") return respondWithJob(c, row);
      throw new GenqError("JOB_NOT_CANCELABLE", `job is already ${row.status}`);
    }
    if (row.status === "queued" && deps.store.cancelQueued(row.id, now())) {
      // Not removable: a worker holds it unstarted (admission lookahead); tell it to drop it now.
      const removed = await deps.queue.remove(row.id, row.model).catch(() => false);
      if (!removed) await deps.events.publishCancel(row.id).catch(() => {});
      row = deps.store.get(row.id)!;
      await deps.delivery?.jobChanged(row);
      await deps.events.publishChanged({ id: row.id, status: row.status, version: row.version }).catch(() => {});
      return respondWithJob(c, row);
    }
    // Running (or it started between our read and our update): signal the worker, wait briefly.
    if (deps.store.requestCancel(row.id, now())) await deps.events.publishCancel(row.id).catch(() => {});
    row = await awaitTerminal(deps, deps.store.get(row.id)!, RUNNING_CANCEL_WAIT_MS, c.req.raw.signal);
    return respondWithJob(c, row, isTerminalRow(row) ? 200 : 202);
  };
}
