// The dashboard's entries of the route catalog (route-catalog.ts says how to add one): the page
// and its files (api/routes/dashboard/dashboard-page.ts), and its data, behind the admin key or an
// API key (api/middleware/dashboard-access.ts; open while the API runs open).
import type { RouteDoc } from "./route-doc.ts";

const csp = { "Content-Security-Policy": "only the dashboard's own script, stylesheet and API" };

export function dashboardRouteCatalog(): RouteDoc[] {
  return [
    {
      method: "get", path: "/dashboard", operationId: "getDashboard", tag: "dashboard", auth: "none",
      summary: "The live dashboard (HTML; it holds no data and asks for a key unless the API is open)",
      responses: { 200: { description: "the page", contentType: "text/html", headers: csp } },
      errors: [],
    },
    {
      method: "get", path: "/dashboard/app.js", operationId: "getDashboardScript", tag: "dashboard", auth: "none",
      summary: "The dashboard's script",
      responses: { 200: { description: "the script", contentType: "text/javascript" } },
      errors: [],
    },
    {
      method: "get", path: "/dashboard/app.css", operationId: "getDashboardStyle", tag: "dashboard", auth: "none",
      summary: "The dashboard's stylesheet",
      responses: { 200: { description: "the stylesheet", contentType: "text/css" } },
      errors: [],
    },
    {
      method: "get", path: "/v1/dashboard/snapshot", operationId: "getDashboardSnapshot", tag: "dashboard", auth: "admin_or_api_key",
      summary: "What the dashboard shows now: queues, models, workers (admin only), recent jobs, webhook failures",
      description: "The admin key (or an open API) sees every tenant and the workers; an API key sees its own tenant's jobs and webhooks.",
      responses: { 200: { description: "the snapshot", schema: { ref: "DashboardSnapshot" } } },
      errors: [],
    },
    {
      method: "get", path: "/v1/dashboard/events", operationId: "streamDashboardEvents", tag: "dashboard", auth: "admin_or_api_key",
      summary: "Server-Sent Events: a `snapshot` event (a DashboardSnapshot) at once, soon after job changes and every few seconds",
      description: "`unavailable` events say live data could not be read (the stream retries). A tenant's stream counts against its open streams.",
      responses: { 200: { description: "the event stream", contentType: "text/event-stream" } },
      errors: ["TOO_MANY_WAITERS"],
    },
  ];
}
