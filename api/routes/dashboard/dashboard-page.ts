// GET /dashboard: one HTML page with its script and stylesheet (/dashboard/app.js, /app.css),
// served as they are (no build step). The page holds no data: it asks for a key (unless the
// service is open) and reads /v1/dashboard/events. A strict CSP allows only its own files.
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { accessIsOpen } from "../../middleware/dashboard-access.ts";
import { DASHBOARD_SCRIPT } from "./dashboard-script.ts";
import { DASHBOARD_STYLE } from "./dashboard-style.ts";

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function page(open: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>genq dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
</head>
<body data-open="${open ? "1" : "0"}">
<header>
  <h1>genq</h1>
  <span class="pill" id="scope"></span>
  <span class="pill" id="connection">connecting…</span>
  <span class="spacer"></span>
  <span class="pill" id="updated"></span>
  <button class="quiet" id="forget" hidden>forget key</button>
</header>
<form id="login" hidden>
  <h2>Sign in</h2>
  <p>Paste the admin key (everything) or an API key (that tenant's jobs). It stays in this tab only and is sent as an Authorization header.</p>
  <input id="key" type="password" autocomplete="off" placeholder="gq_… or the admin key" aria-label="key">
  <div class="error" id="login-error"></div>
  <button type="submit">Open dashboard</button>
</form>
<main id="board" hidden>
  <section class="wide"><h2>Queues by model and priority</h2><div id="queues"></div></section>
  <section><h2>Models</h2><div id="models"></div></section>
  <section id="workers-section"><h2>Workers</h2><div id="workers"></div></section>
  <section class="wide"><h2>Recent jobs</h2><div id="jobs"></div></section>
  <section class="wide"><h2>Webhook failures</h2><div id="webhooks"></div></section>
</main>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;
}

export function dashboardPage(deps: AppDeps): Hono<AppEnv> {
  const headers = { "content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" };
  return new Hono<AppEnv>()
    .get("/", async (c) => c.html(page(await accessIsOpen(deps)), 200, { ...headers, "cache-control": "no-store" }))
    .get("/app.js", (c) => c.body(DASHBOARD_SCRIPT, 200, { ...headers, "content-type": "text/javascript; charset=utf-8" }))
    .get("/app.css", (c) => c.body(DASHBOARD_STYLE, 200, { ...headers, "content-type": "text/css; charset=utf-8" }));
}
