// GET /v1/models and GET /v1/models/:id: the configured models (GENQ_MODELS) as OpenAI model
// objects, plus genq's residency fields per model (state across workers, which workers hold it,
// resident bytes, last use, load time); an unknown id is 404 `model_not_found` in OpenAI's error shape.
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import type { ModelCard } from "../../../shared/models/model-card.ts";
import type { ModelResidencyView } from "../../../shared/queue/model-residency-board.ts";

const unixSeconds = (ms: number) => Math.floor(ms / 1000);

function modelObject(card: ModelCard, residency: ModelResidencyView) {
  return {
    id: card.name,
    object: "model" as const,
    created: unixSeconds(card.createdAtMs),
    owned_by: "genq",
    state: residency.state,
    workers: residency.workers.map((w) => ({ id: w.id, state: w.state, resident_bytes: w.residentBytes })),
    resident_bytes: residency.residentBytes,
    last_used_at: residency.lastUsedAtMs === null ? null : unixSeconds(residency.lastUsedAtMs),
    load_seconds: residency.loadSeconds,
  };
}

export function modelsRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/", async (c) => {
      const cards = [...deps.models.values()];
      const views = await deps.residency.read(cards.map((card) => card.name));
      return c.json({ object: "list", data: cards.map((card, i) => modelObject(card, views[i])) });
    })
    .get("/:id", async (c) => {
      const id = c.req.param("id");
      const card = deps.models.get(id);
      if (!card) {
        throw new GenqError("UNKNOWN_MODEL", `model "${id.slice(0, 64)}" is not served here; known: ${[...deps.models.keys()].join(", ")}`, {
          errors: [{ field: "model", message: "unknown model" }],
        });
      }
      const [view] = await deps.residency.read([id]);
      return c.json(modelObject(card, view));
    });
}
