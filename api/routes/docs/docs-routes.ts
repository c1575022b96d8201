// GET /openapi.json (the OpenAPI 3.1 document built from the route catalog) and GET /docs (the
// same document as a self-contained HTML page). Public, like /problems: they describe the API,
// never its data. Built once per app: the document only depends on this server's limits.
import { Hono } from "hono";
import packageJson from "../../../package.json" with { type: "json" };
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { renderDocsPage } from "../../openapi/docs-page.ts";
import { openApiDocument, type OpenApiDocument } from "../../openapi/openapi-document.ts";
import { routeCatalog } from "../../openapi/route-catalog.ts";

export function docsRoutes(deps: Pick<AppDeps, "limits" | "publicUrl">): Hono<AppEnv> {
  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const built = () => (document ??= openApiDocument(routeCatalog(deps.limits), { version: packageJson.version, serverUrl: deps.publicUrl }));
  // Revalidated on every use (no max-age): a redeploy may change the API.
  const cacheControl = { "cache-control": "no-cache" };
  return new Hono<AppEnv>()
    .get("/openapi.json", (c) => c.json(built(), 200, cacheControl))
    .get("/docs", (c) => c.body((page ??= renderDocsPage(built())), 200, { ...cacheControl, "content-type": "text/html; charset=utf-8" }));
}
