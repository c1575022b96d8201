// The dashboard's data: GET /v1/dashboard/snapshot (JSON, once) and GET /v1/dashboard/events
// (Server-Sent Events: a `snapshot` event at once, again soon after any job changes, and every
// few seconds for queues and workers). Keys come as a Bearer header (see dashboard-access.ts).
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppDeps, AppEnv } from "../../app-deps.ts";
import { holdWaiterSlot } from "../jobs/waiter-slot.ts";
import { dashboardSnapshot, type DashboardViewer } from "./dashboard-snapshot.ts";

/** Queues and workers change without job events (a worker's batch): refreshed at least this often. */
const REFRESH_MS = 2_000;
/** A burst of job changes (a batch submitted) becomes one snapshot. */
const COALESCE_MS = 150;

export function dashboardRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get("/snapshot", async (c) => {
      c.header("cache-control", "no-store");
      return c.json(await dashboardSnapshot(deps, { scope: c.get("dashboardScope"), tenantId: c.get("tenantId") }));
    })
    .get("/events", async (c) => {
      const viewer: DashboardViewer = { scope: c.get("dashboardScope"), tenantId: c.get("tenantId") };
      // A tenant's dashboard counts against its open streams, like a job's event stream.
      const release = viewer.scope === "tenant" ? await holdWaiterSlot(deps, viewer.tenantId) : () => {};
      c.header("x-accel-buffering", "no");
      c.header("cache-control", "no-store");
      return streamSSE(c, async (stream) => {
        let closed = false;
        let changed = false;
        let wake: (() => void) | undefined;
        const close = () => {
          closed = true;
          wake?.();
        };
        stream.onAbort(close);
        c.req.raw.signal.addEventListener("abort", close, { once: true });
        const stopChanges = deps.events.onChange(() => {
          changed = true;
          wake?.();
        });
        try {
          for (let id = 1; !closed; id++) {
            changed = false;
            try {
              const snapshot = await dashboardSnapshot(deps, viewer);
              await stream.writeSSE({ id: String(id), event: "snapshot", data: JSON.stringify(snapshot) });
            } catch (error) {
              deps.logger.warn("dashboard snapshot failed", { error });
              await stream.writeSSE({ id: String(id), event: "unavailable", data: JSON.stringify({ message: "live data is unavailable; retrying" }) });
            }
            if (!changed) {
              await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, REFRESH_MS);
                wake = () => {
                  clearTimeout(timer);
                  resolve();
                };
              });
              wake = undefined;
            }
            if (changed && !closed) await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
          }
        } finally {
          stopChanges();
          release();
        }
      });
    });
}
