// Looks up the :id job for the calling tenant; malformed ids and other tenants' jobs are 404.
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { JOB_ID_PATTERN } from "../../../shared/ids.ts";
import type { JobRow } from "../../../shared/store/schema/jobs.ts";

export async function findJobOr404(deps: AppDeps, c: Context<AppEnv>): Promise<JobRow> {
  const id = c.req.param("id") ?? "";
  const row = JOB_ID_PATTERN.test(id) ? await deps.store.jobs.getForTenant(id, c.get("tenantId")) : undefined;
  if (!row) throw new GenqError("JOB_NOT_FOUND", `no job ${JSON.stringify(id.slice(0, 64))}`);
  return row;
}
