// GET /v1/models and /v1/models/:id: OpenAI's model list shape, plus genq's residency fields per
// model (state across workers, which workers hold it, resident bytes, last use, load time).
import { Hono } from "hono";
import { GenqError } from "../../../shared/errors.ts";
import type { ModelResidencyView } from "../../../shared/queue/model-residency-board.ts";
import type { AppDeps, AppEnv } from "../../app-deps.ts";

const unixSeconds = (ms: number) => Math.floor(ms / 1000);

export function modelsRoutes(deps: AppDeps): Hono<AppEnv> {
  // OpenAI's `created`: genq has no publish date for a folder; the API process's start stands in.
  const created = unixSeconds(deps.now());
  const toModelObject = (view: ModelResidencyView) => ({
    id: view.model,
    object: "model" as const,
    created,
    owned_by: "genq",
    state: view.state,
    workers: view.workers.map((w) => ({ id: w.id, state: w.state, resident_bytes: w.residentBytes })),
    resident_bytes: view.residentBytes,
    last_used_at: view.lastUsedAtMs === null ? null : unixSeconds(view.lastUsedAtMs),
    load_seconds: view.loadSeconds,
  });
  return new Hono<AppEnv>()
    .get("/", async (c) => {
      const views = await deps.residency.read([...deps.models.keys()]);
      return c.json({ object: "list", data: views.map(toModelObject) });
    })
    .get("/:id", async (c) => {
      const id = c.req.param("id");
      if (!deps.models.has(id)) throw new GenqError("MODEL_NOT_FOUND", `no model ${JSON.stringify(id.slice(0, 64))}`);
      const [view] = await deps.residency.read([id]);
      return c.json(toModelObject(view));
    });
}
