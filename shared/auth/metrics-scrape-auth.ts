// Who may scrape /metrics (the API's and a worker's GENQ_METRICS_PORT): anyone when
// GENQ_METRICS_TOKEN is unset, else only `Authorization: Bearer <token>` (constant-time compare).
import { secretsEqual } from "./api-key-secret.ts";
import { bearerToken } from "./bearer-token.ts";

export function scrapeAuthorized(authorization: string | undefined, metricsToken: string | undefined): boolean {
  if (!metricsToken) return true;
  const token = bearerToken(authorization);
  return token !== undefined && secretsEqual(token, metricsToken);
}
