// GET /v1/models and GET /v1/models/:id: the configured models (GENQ_MODELS) as OpenAI model
// objects; an unknown id is 404 `model_not_found` in OpenAI's error shape.
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import type { ModelCard } from "../../../shared/models/model-card.ts";

function modelObject(card: ModelCard) {
  return { id: card.name, object: "model" as const, created: Math.floor(card.createdAtMs / 1000), owned_by: "genq" };
}

export function modelsRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/", (c) => c.json({ object: "list", data: [...deps.models.values()].map(modelObject) }))
    .get("/:id", (c) => {
      const id = c.req.param("id");
      const card = deps.models.get(id);
      if (!card) {
        throw new GenqError("UNKNOWN_MODEL", `model "${id.slice(0, 64)}" is not served here; known: ${[...deps.models.keys()].join(", ")}`, {
          errors: [{ field: "model", message: "unknown model" }],
        });
      }
      return c.json(modelObject(card));
    });
}
