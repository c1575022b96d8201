// The /v1/files resource (OpenAI Files): upload, list, get, content (streamed from disk), delete.
// Files are per tenant: another tenant's file answers 404 like a missing one.
import { Readable } from "node:stream";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { GenqError } from "../../../shared/errors.ts";
import { FILE_PURPOSES } from "../../../shared/store/schema/files.ts";
import { validationError } from "../jobs/validation-problems.ts";
import { toFileObject } from "./file-object.ts";
import { uploadFileHandler } from "./upload-file.ts";

/** GET /v1/files' query (also the OpenAPI document's). */
export const listFilesQuery = z.object({
  limit: z.string().regex(/^\d{1,5}$/).transform(Number).pipe(z.number().int().min(1).max(10_000)).default(100),
  after: z.string().max(80).optional(),
  purpose: z.enum(FILE_PURPOSES).optional(),
  order: z.enum(["desc"]).optional(),
});

export function filesRoutes(deps: AppDeps): Hono<AppEnv> {
  const find = async (c: Context<AppEnv>) => {
    const row = await deps.store.files.getForTenant(c.req.param("id") ?? "", c.get("tenantId"));
    if (!row) throw new GenqError("FILE_NOT_FOUND", `no file ${c.req.param("id")}`);
    return row;
  };
  return new Hono<AppEnv>()
    .post("/", uploadFileHandler(deps))
    .get("/", async (c) => {
      const parsed = listFilesQuery.safeParse(c.req.query());
      if (!parsed.success) throw validationError(parsed.error, "invalid query");
      const { limit, after, purpose } = parsed.data;
      const rows = await deps.store.files.list({ tenantId: c.get("tenantId"), limit: limit + 1, after, purpose });
      const page = rows.slice(0, limit);
      return c.json({ object: "list", data: page.map(toFileObject), first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: rows.length > limit });
    })
    .get("/:id", async (c) => c.json(toFileObject(await find(c))))
    .get("/:id/content", async (c) => {
      const row = await find(c);
      const stream = Readable.toWeb(deps.fileBlobs.read(row.id)) as ReadableStream<Uint8Array>;
      return c.body(stream, 200, { "content-type": "application/octet-stream", "content-length": String(row.bytes) });
    })
    .delete("/:id", async (c) => {
      const deleted = await deps.store.files.delete(c.req.param("id"), c.get("tenantId"));
      if (!deleted) throw new GenqError("FILE_NOT_FOUND", `no file ${c.req.param("id")}`);
      if (deleted === "in-use") throw new GenqError("FILE_IN_USE", "an unfinished batch reads this file; cancel it or wait for it to finish");
      await deps.fileBlobs.remove(deleted.id);
      return c.json({ id: deleted.id, object: "file", deleted: true });
    });
}
