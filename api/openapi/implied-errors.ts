// The error codes a route gets from what stands in front of its handler (api/app.ts middleware,
// readJsonBody, query parsing, the error handler), so catalog entries list only their own codes.
import type { ErrorCode } from "../../shared/errors.ts";
import { MUTATING_METHODS } from "../middleware/rate-limit-writes.ts";
import type { RouteDoc } from "./route-doc.ts";

/** readJsonBody's refusals, plus the schema's own (VALIDATION_FAILED). */
const JSON_BODY_ERRORS: ErrorCode[] = ["VALIDATION_FAILED", "INVALID_JSON", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE", "REQUEST_ABORTED"];

export function impliedErrors(route: RouteDoc): ErrorCode[] {
  const codes: ErrorCode[] = [];
  switch (route.auth) {
    case "api_key":
    case "api_key_or_stream_token":
      codes.push("UNAUTHORIZED", "AUTH_THROTTLED");
      break;
    case "admin":
      // Without GENQ_ADMIN_KEY the admin API does not exist.
      codes.push("UNAUTHORIZED", "AUTH_THROTTLED", "ROUTE_NOT_FOUND");
      break;
    case "metrics":
      codes.push("UNAUTHORIZED");
      break;
    case "admin_or_api_key":
      // A wrong key gets the API's 401 and throttling (dashboard-access.ts).
      codes.push("UNAUTHORIZED", "AUTH_THROTTLED");
      break;
    case "result_sink":
      // Without GENQ_RESULT_SINK_TOKEN the route does not exist.
      codes.push("UNAUTHORIZED", "ROUTE_NOT_FOUND");
      break;
    case "none":
      break;
  }
  // rateLimitWrites: every mutating /v1 request except the admin API's.
  if (route.path.startsWith("/v1/") && route.auth !== "admin" && MUTATING_METHODS.includes(route.method.toUpperCase())) {
    codes.push("RATE_LIMITED");
  }
  if (route.body) codes.push(...JSON_BODY_ERRORS);
  if (route.query) codes.push("VALIDATION_FAILED");
  codes.push("INTERNAL");
  return codes;
}

/** The route's own codes and the implied ones, each once, in table order per status. */
export function routeErrors(route: RouteDoc): ErrorCode[] {
  return [...new Set([...route.errors, ...impliedErrors(route)])];
}
