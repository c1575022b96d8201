// A worker's own Prometheus endpoint: GET /metrics on GENQ_METRICS_PORT (bound to GENQ_HOST),
// guarded by GENQ_METRICS_TOKEN exactly like the API's /metrics; shows the worker's registry and
// the process's CPU/memory. Plain node:http: a worker has no HTTP framework and needs none.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { scrapeAuthorized } from "../../shared/auth/metrics-scrape-auth.ts";
import { mergeExpositions } from "../../shared/metrics/merge-expositions.ts";
import { processRegistries } from "../../shared/metrics/process-registries.ts";

export interface MetricsServer {
  /** http://host:port/metrics as bound (port 0 resolved). */
  url: string;
  close(): Promise<void>;
}

const PROBLEM = { type: "about:blank", title: "Unauthorized", status: 401, code: "UNAUTHORIZED", detail: "send the metrics token as Authorization: Bearer <GENQ_METRICS_TOKEN>" };

export async function startMetricsServer(options: { registry: Registry; host: string; port: number; metricsToken: string | undefined }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: this port serves GET /metrics\n");
      return;
    }
    if (!scrapeAuthorized(req.headers.authorization, options.metricsToken)) {
      res.writeHead(401, { "content-type": "application/problem+json", "www-authenticate": 'Bearer realm="genq metrics"' }).end(JSON.stringify(PROBLEM));
      return;
    }
    Promise.all([processRegistries.processRegistry.metrics(), options.registry.metrics()]).then(
      (texts) => res.writeHead(200, { "content-type": options.registry.contentType }).end(mergeExpositions(texts)),
      (error: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
