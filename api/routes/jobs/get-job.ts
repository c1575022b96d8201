// GET /v1/jobs/:id — ETag/304 (per `fields` variant), queue position + Retry-After while queued,
// and `?wait=N` long-poll: held until the job is terminal or N seconds pass, woken by the Redis
// event bus (never by re-reading SQLite in a loop).
import type { Context } from "hono";
import type { AppDeps, ApiLimits } from "../../app-deps.ts";
import type { AppEnv } from "../../app-env.ts";
import { GenqError } from "../../../shared/errors.ts";
import type { JobRow } from "../../../shared/db/schema/jobs.ts";
import { isTerminalRow, jobEtag, toJobObject } from "./job-object.ts";
import { findJobOr404 } from "./find-job.ts";
import { awaitTerminal } from "./await-terminal.ts";
import type { DeliveryPorts } from "../../delivery-ports.ts";
import { ifNoneMatchHits } from "./etag-match.ts";
import { fieldsVariant, parseFields, pickFields, type JobField } from "./job-fields.ts";
import { retryAfterSeconds } from "./retry-after.ts";
import { holdWaiterSlot } from "./waiter-slot.ts";

export function getJobHandler(deps: AppDeps, limits: ApiLimits) {
  return async (c: Context<AppEnv>) => {
    const waitSeconds = parseWait(c.req.query("wait"), limits.maxWaitSeconds);
    const fields = parseFields(c.req.query("fields"));
    let row = findJobOr404(deps, c);
    if (waitSeconds > 0 && !isTerminalRow(row)) {
      const release = await holdWaiterSlot(deps, c.get("tenantId"));
      try {
        row = await awaitTerminal(deps, row, waitSeconds * 1000, c.req.raw.signal);
      } finally {
        release();
      }
    }
    return respondWithJob(c, row, 200, { fields, delivery: deps.delivery });
  };
}

/** How to render the job: a `fields` subset, and the ports that know the queue position. */
export interface JobView {
  fields?: JobField[];
  delivery?: DeliveryPorts;
}

export async function respondWithJob(c: Context<AppEnv>, row: JobRow, status: 200 | 202 = 200, view: JobView = {}): Promise<Response> {
  // One ZRANK while queued; it feeds queue_position, the ETag and Retry-After.
  const position =
    row.status === "queued" && view.delivery ? await view.delivery.queuePosition(row.id, row.model).catch(() => null) : null;
  const showsPosition = !view.fields || view.fields.includes("queue_position");
  const variant = [fieldsVariant(view.fields), showsPosition && position !== null ? `p${position}` : ""].filter(Boolean).join(".");
  const etag = jobEtag(row, variant);
  c.header("etag", etag);
  c.header("cache-control", "private, no-cache");
  if (!isTerminalRow(row)) {
    c.header("retry-after", String(retryAfterSeconds(row.status, position, view.delivery?.completionsPerSecond() ?? 0)));
  }
  if (ifNoneMatchHits(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.json(pickFields({ ...toJobObject(row), queue_position: position }, view.fields), status);
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
