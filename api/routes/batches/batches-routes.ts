// The /v1/batches resource (OpenAI Batches): create, get, list (cursor `after`, `limit`), cancel.
// Batches are per tenant: another tenant's batch answers 404 like a missing one.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { isTerminalBatchStatus } from "../../../shared/store/schema/batches.ts";
import { validationError } from "../jobs/validation-problems.ts";
import { toBatchObject } from "./batch-object.ts";
import { createBatchHandler } from "./create-batch.ts";

/** GET /v1/batches' query (also the OpenAPI document's). */
export const listBatchesQuery = z.object({
  limit: z.string().regex(/^\d{1,3}$/).transform(Number).pipe(z.number().int().min(1).max(100)).default(20),
  after: z.string().max(80).optional(),
});

export function batchesRoutes(deps: AppDeps): Hono<AppEnv> {
  const find = async (c: Context<AppEnv>) => {
    const row = await deps.store.batches.getForTenant(c.req.param("id") ?? "", c.get("tenantId"));
    if (!row) throw new GenqError("BATCH_NOT_FOUND", `no batch ${c.req.param("id")}`);
    return row;
  };
  return new Hono<AppEnv>()
    .post("/", createBatchHandler(deps))
    .get("/", async (c) => {
      const parsed = listBatchesQuery.safeParse(c.req.query());
      if (!parsed.success) throw validationError(parsed.error, "invalid query");
      const { limit, after } = parsed.data;
      const rows = await deps.store.batches.list({ tenantId: c.get("tenantId"), limit: limit + 1, after });
      const page = rows.slice(0, limit);
      return c.json({ object: "list", data: page.map(toBatchObject), first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: rows.length > limit });
    })
    .get("/:id", async (c) => c.json(toBatchObject(await find(c))))
    .post("/:id/cancel", async (c) => {
      const row = await find(c);
      if (row.status === "cancelling" || row.status === "cancelled") return c.json(toBatchObject(row));
      if (isTerminalBatchStatus(row.status) || row.status === "finalizing") {
        throw new GenqError("BATCH_NOT_CANCELABLE", `batch is already ${row.status}`);
      }
      const nowMs = deps.now();
      const cancelling = await deps.store.batches.transition(row.id, ["validating", "in_progress"], { status: "cancelling", cancellingAt: nowMs, updatedAt: nowMs });
      // The runner cancels the queued lines in one statement right away and stops running ones at their next token.
      if (cancelling) deps.batchDriver.kick(row.id);
      return c.json(toBatchObject(cancelling ?? (await find(c))));
    });
}
