// The admin API for API keys (DESIGN "Configuration"): issue (the key is in this one answer
// only), list, revoke. Mounted under /v1/admin/keys; app.ts puts adminGuard in front.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { issueApiKey, KEY_ID_PATTERN, TENANT_PATTERN } from "../../../shared/auth/api-keys.ts";
import type { ApiKeyRow } from "../../../shared/store/schema/api-keys.ts";
import { GenqError } from "../../../shared/errors.ts";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { readJsonBody } from "../../middleware/json-body.ts";
import { validationError } from "../jobs/validation-problems.ts";

export const createKeyRequest = z.strictObject({
  // Printable text only: names show up in CLI tables and log lines.
  name: z.string().min(1).max(64).regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u, "must be printable text"),
  /** Lets several keys share one tenant's jobs (rotation); default: the key's own id. */
  tenant: z.string().regex(TENANT_PATTERN, "must be 1-64 letters, digits, . _ : -").optional(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toApiKeyObject(row: ApiKeyRow) {
  return {
    object: "api_key" as const,
    id: row.id,
    name: row.name,
    tenant: row.tenantId,
    prefix: row.prefix,
    created_at: iso(row.createdAt),
    revoked_at: iso(row.revokedAt),
  };
}

export function adminKeysRoutes(deps: AppDeps): Hono<AppEnv> {
  const keys = deps.store.apiKeys;
  const { limits, now } = deps;
  const noStore = (c: Context) => c.header("cache-control", "no-store");
  return new Hono<AppEnv>()
    .post("/", async (c) => {
      const parsed = createKeyRequest.safeParse(await readJsonBody(c, limits.maxBodyBytes, limits.maxJsonDepth));
      if (!parsed.success) throw validationError(parsed.error);
      const { row, key, inherited } = await issueApiKey(keys, { name: parsed.data.name, tenantId: parsed.data.tenant }, now());
      deps.logger.info("api key issued", { keyId: row.id, name: row.name, tenant: row.tenantId, inheritedJobs: inherited?.jobs ?? 0 });
      noStore(c);
      return c.json({ ...toApiKeyObject(row), key }, 201);
    })
    .get("/", async (c) => {
      noStore(c);
      return c.json({ object: "list", data: (await keys.list()).map(toApiKeyObject) });
    })
    .delete("/:id", async (c) => {
      const id = c.req.param("id");
      const row = KEY_ID_PATTERN.test(id) ? await keys.revoke(id, now()) : undefined;
      if (!row) throw new GenqError("API_KEY_NOT_FOUND", `no API key ${JSON.stringify(id.slice(0, 64))}`);
      deps.logger.info("api key revoked", { keyId: row.id, tenant: row.tenantId });
      noStore(c);
      return c.json(toApiKeyObject(row));
    });
}
