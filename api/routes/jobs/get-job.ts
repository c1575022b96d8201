// GET /v1/jobs/:id — ETag/304 (per `fields` variant), queue position + Retry-After while queued,
// and `?wait=N` long-poll: held until the job is terminal or N seconds pass, woken by the Redis
// event bus (never by re-reading SQLite in a loop).
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { isTerminalStatus, type JobRow } from "../../../shared/store/schema/jobs.ts";
import { jobEtag, toJobObject } from "./job-object.ts";
import { findJobOr404 } from "./find-job.ts";
import { awaitTerminal } from "./await-terminal.ts";
import { ifNoneMatchHits } from "./etag-match.ts";
import { fieldsVariant, parseFields, pickFields, type JobField } from "./job-fields.ts";
import { retryAfterSeconds } from "./retry-after.ts";
import { streamTokenFor, streamTokenVariant, type IssuedStreamToken } from "./stream-url.ts";

export function getJobHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const waitSeconds = parseWait(c.req.query("wait"), deps.limits.maxWaitSeconds);
    const fields = parseFields(c.req.query("fields"));
    let row = await findJobOr404(deps, c);
    if (waitSeconds > 0 && !isTerminalStatus(row.status)) row = await awaitTerminal(deps, row, waitSeconds * 1000, c.req.raw.signal);
    return respondWithJob(c, row, 200, { fields, deps, stream: streamTokenFor(c, deps, row.id) });
  };
}

/** How to render the job: a `fields` subset, (to show the queue position) the deps that know it, a stream token. */
export interface JobView {
  fields?: JobField[];
  deps?: Pick<AppDeps, "queuePositions" | "throughput">;
  stream?: IssuedStreamToken;
}

export async function respondWithJob(c: Context<AppEnv>, row: JobRow, status: 200 | 202 = 200, view: JobView = {}): Promise<Response> {
  // One ZRANK while queued; it feeds queue_position, the ETag and Retry-After.
  const position =
    row.status === "queued" && view.deps ? await view.deps.queuePositions.of(row.id, row.model).catch(() => null) : null;
  const showsPosition = !view.fields || view.fields.includes("queue_position");
  // The token only matters where `urls` is shown: sparse pollers keep their 304s.
  const stream = !view.fields || view.fields.includes("urls") ? view.stream : undefined;
  const variant = [fieldsVariant(view.fields), showsPosition && position !== null ? `p${position}` : "", streamTokenVariant(stream)]
    .filter(Boolean)
    .join(".");
  const etag = jobEtag(row, variant);
  c.header("etag", etag);
  c.header("cache-control", "private, no-cache");
  if (!isTerminalStatus(row.status)) {
    c.header("retry-after", String(retryAfterSeconds(row.status, position, view.deps?.throughput.completionsPerSecond() ?? 0)));
  }
  if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.json(pickFields({ ...toJobObject(row, stream), queue_position: position }, view.fields), status);
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
