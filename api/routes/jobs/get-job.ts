// GET /v1/jobs/:id — ETag/304, and `?wait=N` long-poll: held until the job is terminal or N
// seconds pass, woken by the Redis event bus (never by re-reading SQLite in a loop).
import type { Context } from "hono";
import type { AppDeps, ApiLimits } from "../../app-deps.ts";
import type { AppEnv } from "../../app-env.ts";
import { GenqError } from "../../../shared/errors.ts";
import type { JobRow } from "../../../shared/db/schema/jobs.ts";
import { isTerminalRow, jobEtag, toJobObject } from "./job-object.ts";
import { findJobOr404 } from "./find-job.ts";
import { awaitTerminal } from "./await-terminal.ts";

export function getJobHandler(deps: AppDeps, limits: ApiLimits) {
  return async (c: Context<AppEnv>) => {
    const waitSeconds = parseWait(c.req.query("wait"), limits.maxWaitSeconds);
    let row = findJobOr404(deps, c);
    if (waitSeconds > 0 && !isTerminalRow(row)) row = await awaitTerminal(deps, row, waitSeconds * 1000, c.req.raw.signal);
    return respondWithJob(c, row);
  };
}

export function respondWithJob(c: Context<AppEnv>, row: JobRow, status: 200 | 202 = 200): Response {
  const etag = jobEtag(row);
  c.header("etag", etag);
  c.header("cache-control", "private, no-cache");
  if (!isTerminalRow(row)) c.header("retry-after", row.status === "queued" ? "2" : "1");
  if (c.req.header("if-none-match") === etag) return c.body(null, 304);
  return c.json(toJobObject(row), status);
}

function parseWait(value: string | undefined, maxSeconds: number): number {
  if (value === undefined || value === "") return 0;
  if (!/^\d{1,3}(\.\d{1,3})?$/.test(value) || Number(value) > maxSeconds) {
    throw new GenqError("VALIDATION_FAILED", `wait must be a number of seconds from 0 to ${maxSeconds}`, {
      errors: [{ field: "wait", message: `0..${maxSeconds}` }],
    });
  }
  return Number(value);
}
