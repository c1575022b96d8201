// Failed authentication: every failure is logged (source address, never the credential) and
// counted in Redis per source address — and, for the admin key, across all sources — so that
// guessing is throttled (429 AUTH_THROTTLED + Retry-After) however many API processes answer.
import type { Context } from "hono";
import { GenqError } from "../../shared/errors.ts";
import type { Logger } from "../../shared/logger.ts";
import type { ThrottleScope } from "../../shared/limits/redis-auth-throttle.ts";
import type { AuthSettings } from "../app-deps.ts";

/** Wrong admin keys per source address per minute before that source must wait. */
export const ADMIN_FAILURES_PER_SOURCE = 10;
/**
 * Wrong admin keys per minute from everywhere together: a botnet rotating addresses still gets
 * ~100 guesses a minute. While exceeded, the admin API answers 429 to everyone (the CLI,
 * `npm run keys`, still works): locking the admin out briefly beats letting the key be guessed.
 */
export const ADMIN_FAILURES_GLOBAL = 100;
/**
 * Bad API keys per source address per minute. API keys carry 256 random bits (nothing to
 * guess), so this only slows scanners; there is no global cap, which would let one client lock
 * every tenant out.
 */
export const API_KEY_FAILURES_PER_SOURCE = 100;

export type CredentialKind = "admin" | "api_key";

export class AuthFailures {
  constructor(
    private readonly auth: AuthSettings,
    private readonly logger: Logger,
  ) {}

  /** The caller's address as the runtime saw it (never a client-sent header); "unknown" if none. */
  source(c: Context): string {
    return this.auth.clientAddress?.(c) ?? "unknown";
  }

  scopes(kind: CredentialKind, source: string): ThrottleScope[] {
    if (kind === "api_key") return [{ scope: `api_key:src:${source}`, maxFailures: API_KEY_FAILURES_PER_SOURCE }];
    return [
      { scope: `admin:src:${source}`, maxFailures: ADMIN_FAILURES_PER_SOURCE },
      { scope: "admin:all", maxFailures: ADMIN_FAILURES_GLOBAL },
    ];
  }

  /** 429 AUTH_THROTTLED while any scope is over its limit. Fails open when Redis is down. */
  async refuseIfThrottled(kind: CredentialKind, source: string): Promise<void> {
    const throttle = this.auth.throttle;
    if (!throttle) return;
    let waitMs = 0;
    try {
      waitMs = await throttle.blockedForMs(this.scopes(kind, source));
    } catch (error) {
      this.logger.warn("auth throttle unavailable; attempt allowed", { error });
    }
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new GenqError("AUTH_THROTTLED", `too many failed authentication attempts; retry in ${seconds} s`, { retryAfterSeconds: seconds });
    }
  }

  /** Logs the failure (with whatever non-secret detail the caller passes) and counts it. */
  async record(kind: CredentialKind, source: string, c: Context, detail: Record<string, unknown> = {}): Promise<void> {
    this.logger.warn("authentication failed", { credential: kind, source, method: c.req.method, path: c.req.path, ...detail });
    try {
      await this.auth.throttle?.recordFailure(this.scopes(kind, source));
    } catch (error) {
      this.logger.warn("auth throttle unavailable; failure not counted", { error });
    }
  }
}
