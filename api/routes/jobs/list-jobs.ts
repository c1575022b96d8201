// GET /v1/jobs — the caller's jobs, newest first, cursor pagination (`limit`, `after`) and a
// `status` filter.
import type { Context } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { JOB_STATUSES } from "../../../shared/store/schema/jobs.ts";
import { JOB_ID_PATTERN } from "../../../shared/ids.ts";
import { toJobObject } from "./job-object.ts";
import { validationError } from "./validation-problems.ts";
import { streamTokenFor } from "./stream-url.ts";

export const listJobsQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(1).max(100))
    .default(20),
  after: z.string().regex(JOB_ID_PATTERN, "must be a job id").optional(),
  status: z.enum(JOB_STATUSES).optional(),
});

export function listJobsHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    const parsed = listJobsQuery.safeParse(c.req.query());
    if (!parsed.success) throw validationError(parsed.error, "invalid query");
    const { limit, after, status } = parsed.data;
    const rows = await deps.store.jobs.list({ tenantId: c.get("tenantId"), limit: limit + 1, after, status });
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    return c.json({
      object: "list",
      data: page.map((row) => toJobObject(row, streamTokenFor(c, deps, row.id))),
      has_more: hasMore,
      next_cursor: hasMore ? page[page.length - 1].id : null,
    });
  };
}
