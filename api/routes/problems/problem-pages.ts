// GET /problems and /problems/<code>: one small HTML page per error code, rendered from the
// ERROR_CODES table in shared/errors.ts, so every problem+json `type` link resolves on genq itself.
import { Hono } from "hono";
import { ERROR_CODES, GenqError, problemSlug, type ErrorCode, type ErrorCodeInfo } from "../../../shared/errors.ts";
import type { AppEnv } from "../../app-deps.ts";

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const BY_SLUG = new Map(CODES.map((code) => [problemSlug(code), code]));

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
/** Escapes, then renders `code spans`. */
const prose = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · genq</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}dt{font-weight:600}</style></head><body>${body}</body></html>`;
}

function codePage(code: ErrorCode, info: ErrorCodeInfo): string {
  return page(
    info.title,
    `<p><a href="../problems">genq problems</a></p><h1>${escapeHtml(info.title)}</h1>` +
      `<dl><dt>code</dt><dd><code>${code}</code></dd><dt>HTTP status</dt><dd>${info.status}</dd>` +
      `<dt>What happened</dt><dd>${prose(info.description)}</dd><dt>What to do</dt><dd>${prose(info.fix)}</dd></dl>`,
  );
}

function indexPage(): string {
  const rows = CODES.map((code) => `<li><a href="problems/${problemSlug(code)}"><code>${code}</code></a> (${ERROR_CODES[code].status}) ${escapeHtml(ERROR_CODES[code].title)}</li>`);
  return page("Problems", `<h1>genq problem types</h1><p>Every error answer is <code>application/problem+json</code> whose <code>type</code> links to one of these.</p><ul>${rows.join("")}</ul>`);
}

export function problemPages(): Hono<AppEnv> {
  const html = { "content-type": "text/html; charset=utf-8", "cache-control": "public, max-age=3600" };
  return new Hono<AppEnv>()
    .get("/", (c) => c.body(indexPage(), 200, html))
    .get("/:slug", (c) => {
      const code = BY_SLUG.get(c.req.param("slug"));
      if (!code) throw new GenqError("ROUTE_NOT_FOUND", `no problem type ${JSON.stringify(c.req.param("slug").slice(0, 64))}`);
      return c.body(codePage(code, ERROR_CODES[code]), 200, html);
    });
}
