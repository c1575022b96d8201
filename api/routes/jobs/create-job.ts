// POST /v1/jobs: reads the JSON body and admits it (submit-job.ts: validate, check, INSERT the
// row, enqueue); answers 202 with the job. Idempotency-Key replays the first answer.
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import type { JobRow } from "../../../shared/store/schema/jobs.ts";
import { readJsonBody } from "../../middleware/json-body.ts";
import { jobEtag, toJobObject } from "./job-object.ts";
import { idempotencyKeyOf, JobSubmitter } from "./submit-job.ts";
import { streamTokenFor, streamTokenVariant } from "./stream-url.ts";

export function createJobHandler(deps: AppDeps) {
  const submitter = new JobSubmitter(deps);
  return async (c: Context<AppEnv>) => {
    const idempotencyKey = idempotencyKeyOf(c);
    const raw = await readJsonBody(c, deps.limits.maxBodyBytes, deps.limits.maxJsonDepth);
    const { row, replayed } = await submitter.submit(c.get("tenantId"), raw, idempotencyKey);
    if (replayed) c.header("idempotent-replayed", "true");
    else c.header("location", `/v1/jobs/${row.id}`);
    return answer(c, deps, row);
  };
}

function answer(c: Context<AppEnv>, deps: AppDeps, row: JobRow) {
  const stream = streamTokenFor(c, deps, row.id);
  c.header("etag", jobEtag(row, streamTokenVariant(stream)));
  return c.json(toJobObject(row, stream), 202);
}
