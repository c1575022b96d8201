// /v1/webhooks — tenant-level webhook settings. POST /secret/rotate issues a new signing secret
// (shown only in this answer); the previous one keeps signing for the grace period, so every
// message carries both signatures until receivers have switched.
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";

export function webhooksRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>().post("/secret/rotate", async (c) => {
    const rotated = await deps.store.webhookSecrets.rotate(c.get("tenantId"), deps.now());
    c.header("cache-control", "no-store");
    return c.json(
      {
        object: "webhook_secret",
        secret: rotated.secret,
        created_at: new Date(rotated.createdAt).toISOString(),
        previous_secrets_expire_at: new Date(rotated.previousExpiresAt).toISOString(),
      },
      201,
    );
  });
}
