// /v1/webhooks — tenant-level webhook settings. GET /secret shows the tenant's signing secret
// once (created at first use); POST /secret/rotate issues a new one (shown only in its answer)
// while the previous one keeps signing for the grace period, so every message carries both
// signatures until receivers have switched.
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";

const iso = (ms: number) => new Date(ms).toISOString();

export function webhooksRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/secret", async (c) => {
      const revealed = await deps.store.webhookSecrets.reveal(c.get("tenantId"), deps.now());
      if ("refused" in revealed) {
        throw new GenqError(
          "WEBHOOK_SECRET_UNAVAILABLE",
          revealed.refused === "already-shown"
            ? "the signing secret is shown only once; rotate it (POST /v1/webhooks/secret/rotate) to get a new one"
            : "this server signs with its operator's GENQ_WEBHOOK_SECRET; ask the operator, or rotate (POST /v1/webhooks/secret/rotate) to get a secret of your own",
        );
      }
      c.header("cache-control", "no-store");
      return c.json({ object: "webhook_secret", secret: revealed.secret, created_at: iso(revealed.createdAt) });
    })
    .post("/secret/rotate", async (c) => {
      const rotated = await deps.store.webhookSecrets.rotate(c.get("tenantId"), deps.now());
      c.header("cache-control", "no-store");
      return c.json(
        {
          object: "webhook_secret",
          secret: rotated.secret,
          created_at: iso(rotated.createdAt),
          previous_secrets_expire_at: iso(rotated.previousExpiresAt),
        },
        201,
      );
    });
}
