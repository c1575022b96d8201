// The OpenAI-compatible generation routes, mounted under /v1: chat completions and (legacy)
// completions. Models are api/routes/models; errors on these paths leave in OpenAI's shape
// (api/middleware/openai-error-response.ts).
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { completionHandler } from "./completion-handler.ts";

export function openAiRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .post("/chat/completions", completionHandler(deps, "/v1/chat/completions"))
    .post("/completions", completionHandler(deps, "/v1/completions"));
}
