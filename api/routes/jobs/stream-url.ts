// The `?token=` on job answers' `urls.events`: minted for callers that used an API key, echoed
// (never extended) for callers that came with a token, absent when the API runs without keys.
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../app-deps.ts";

export interface IssuedStreamToken {
  token: string;
  expiresAtMs: number;
}

export function streamTokenFor(c: Context<AppEnv>, deps: AppDeps, jobId: string): IssuedStreamToken | undefined {
  const presented = c.get("streamToken");
  if (presented) return presented;
  if (!c.get("apiKeyId") || !deps.auth.streamTokens) return undefined;
  return deps.auth.streamTokens.mint(jobId, c.get("tenantId"), deps.now());
}

/** ETag part: answers carrying different tokens must not share an ETag. */
export function streamTokenVariant(stream: IssuedStreamToken | undefined): string {
  return stream ? `s${(stream.expiresAtMs / 1000).toString(36)}` : "";
}
