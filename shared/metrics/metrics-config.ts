// The metrics settings: their environment schema, merged into shared/config.ts, and the typed
// options derived from it. (GENQ_METRICS_TOKEN guards every /metrics and stays in config.ts.)
import { z } from "zod";

export const metricsEnv = {
  GENQ_METRICS_PORT: z.string().regex(/^\d+$/, "must be a whole number").transform(Number).pipe(z.number().int().min(0).max(65535)).optional(),
};

type MetricsEnv = { [K in keyof typeof metricsEnv]?: z.output<(typeof metricsEnv)[K]> };

export interface MetricsConfig {
  /**
   * GENQ_METRICS_PORT: a worker serves its own Prometheus /metrics on this port (on GENQ_HOST;
   * 0 = any free port); unset = none (a worker inside `npm start` shows on the API's /metrics anyway).
   */
  workerPort: number | undefined;
}

export function metricsConfig(e: MetricsEnv): MetricsConfig {
  return { workerPort: e.GENQ_METRICS_PORT };
}
