// The admin API for model residency (Triton's explicit load/unload): `POST /v1/admin/models/:id/load`
// and `/unload` tell every worker serving the model, over Redis pub/sub, and answer 202 at once;
// the outcome shows in GET /v1/models. Mounted under /v1/admin/models; app.ts puts adminGuard in front.
import { Hono, type Context } from "hono";
import { GenqError } from "../../../shared/errors.ts";
import type { ModelCommand } from "../../../shared/events/model-command-bus.ts";
import type { AppDeps, AppEnv } from "../../app-deps.ts";

export function adminModelsRoutes(deps: AppDeps): Hono<AppEnv> {
  const send = (action: ModelCommand["action"]) => async (c: Context<AppEnv>) => {
    const model = c.req.param("id") ?? "";
    if (!deps.models.has(model)) {
      throw new GenqError("UNKNOWN_MODEL", `model "${model.slice(0, 64)}" is not served here; known: ${[...deps.models.keys()].join(", ")}`);
    }
    const listeners = await deps.residency.command({ action, model });
    deps.logger.info("model command sent", { model, action, listeners });
    // `workers`: worker processes listening now; those serving the model act on it.
    return c.json({ object: "model.command", model, action, workers: listeners }, 202);
  };
  return new Hono<AppEnv>().post("/:id/load", send("load")).post("/:id/unload", send("unload"));
}
