// Looks up the :id job for the calling tenant; malformed ids and other tenants' jobs are 404.
import type { Context } from "hono";
import type { AppDeps } from "../../app-deps.ts";
import type { AppEnv } from "../../app-env.ts";
import { GenqError } from "../../../shared/errors.ts";
import { JOB_ID_PATTERN } from "../../../shared/ids.ts";
import type { JobRow } from "../../../shared/db/schema/jobs.ts";

export function findJobOr404(deps: AppDeps, c: Context<AppEnv>): JobRow {
  const id = c.req.param("id") ?? "";
  const row = JOB_ID_PATTERN.test(id) ? deps.store.getForTenant(id, c.get("tenantId")) : undefined;
  if (!row) throw new GenqError("JOB_NOT_FOUND", `no job ${JSON.stringify(id.slice(0, 64))}`);
  return row;
}
