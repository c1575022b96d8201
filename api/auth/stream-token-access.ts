// Where a `?token=` stream token opens a door: GET (or HEAD) of the one job it names and of that
// job's event stream, before it expires. Anything else presented with a token is a 401, so a
// leaked URL can never list, submit, cancel or read another job.
import { GenqError } from "../../shared/errors.ts";
import type { StreamTokenClaims } from "../../shared/auth/stream-token.ts";
import type { AuthSettings } from "../app-deps.ts";

const JOB_READ_PATH = /^\/v1\/jobs\/([^/]{1,64})(?:\/events)?\/?$/;

export function streamTokenAccess(auth: AuthSettings, method: string, path: string, token: string, nowMs: number): StreamTokenClaims {
  const route = method === "GET" || method === "HEAD" ? JOB_READ_PATH.exec(path) : null;
  if (!auth.streamTokens || !route) {
    throw new GenqError("UNAUTHORIZED", "a stream token is accepted only on GET /v1/jobs/:id and GET /v1/jobs/:id/events; send an API key as Authorization: Bearer <key>");
  }
  const check = auth.streamTokens.verify(token, nowMs);
  if (!check.ok) {
    throw new GenqError(
      "UNAUTHORIZED",
      check.reason === "expired"
        ? "the stream token has expired; fetch the job with your API key for a fresh urls.events"
        : "the stream token is invalid",
    );
  }
  if (check.claims.jobId !== route[1]) throw new GenqError("UNAUTHORIZED", "the stream token was issued for another job");
  return check.claims;
}
