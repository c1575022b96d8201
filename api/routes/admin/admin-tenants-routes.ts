// The admin API for tenants: `POST /v1/admin/tenants/reassign {from, to}` moves every job (with
// its webhook deliveries) of one tenant to another, e.g. the keyless tenant's ("") to a key's.
import { Hono } from "hono";
import { z } from "zod";
import { TENANT_PATTERN } from "../../../shared/auth/api-keys.ts";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { readJsonBody } from "../../middleware/json-body.ts";
import { validationError } from "../jobs/validation-problems.ts";

const tenant = z.string().regex(TENANT_PATTERN, "must be 1-64 letters, digits, . _ : -");
export const reassignRequest = z
  .strictObject({
    /** "" is the tenant of jobs submitted while the API ran without keys. */
    from: z.union([z.literal(""), tenant]),
    to: tenant,
  })
  .refine((body) => body.from !== body.to, { message: "from and to must differ", path: ["to"] });

export function adminTenantsRoutes(deps: AppDeps): Hono<AppEnv> {
  const { limits } = deps;
  return new Hono<AppEnv>().post("/reassign", async (c) => {
    const parsed = reassignRequest.safeParse(await readJsonBody(c, limits.maxBodyBytes, limits.maxJsonDepth));
    if (!parsed.success) throw validationError(parsed.error);
    const { from, to } = parsed.data;
    const moved = await deps.store.tenants.reassign(from, to);
    deps.logger.info("tenant reassigned", { from, to, ...moved });
    return c.json({ object: "tenant_reassignment", from, to, jobs: moved.jobs, webhook_deliveries: moved.webhookDeliveries });
  });
}
