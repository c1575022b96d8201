// Hono environment shared by every route: per-request variables set by middleware.
export interface AppEnv {
  Variables: {
    /** Owner of the request's jobs; "" when the service runs without API keys. */
    tenantId: string;
    /** Key id when authenticated with an API key. */
    apiKeyId: string | null;
    /** The `?token=` stream token the request was authenticated with (job reads only). */
    streamToken: { token: string; expiresAtMs: number } | null;
  };
}
