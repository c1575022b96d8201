// Decides at startup whether the API may answer without API keys, and refuses to start an
// open API on a non-loopback address. Runs in createNodeDeps (every API entry) and, earlier,
// in scripts/start.ts so the quick start fails before building models or starting a worker.
import { ConfigError, type GenqConfig } from "../../shared/config.ts";
import { openStore } from "../../shared/store/open-store.ts";
import type { AuthSettings } from "../app-deps.ts";

export interface AuthPolicy {
  open: AuthSettings["open"];
  /** Said once at startup when requests may go unauthenticated. */
  notice?: string;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

/** `keyCount` counts every key ever issued (revoked too), so revoking all keys never reopens the API. */
export function resolveAuthPolicy(config: Pick<GenqConfig, "auth" | "host">, keyCount: number): AuthPolicy {
  if (config.auth === "off") {
    return {
      open: "always",
      notice: "GENQ_AUTH=off: API keys are not checked and every request shares one tenant; put an authenticating proxy in front",
    };
  }
  if (config.auth === "on" || keyCount > 0) return { open: "never" };
  if (isLoopbackHost(config.host)) {
    return {
      open: "until-first-key",
      notice: `no API keys exist: the API on ${config.host} answers without a key until one is created (npm run keys -- create <name>)`,
    };
  }
  throw new ConfigError([
    `GENQ_HOST: ${config.host} is not a loopback address and no API keys exist, so the API would be open to the network. ` +
      "Create a key first (npm run keys -- create <name>), or set GENQ_AUTH=on to require keys (issue them with the admin API), " +
      "or set GENQ_AUTH=off to run without authentication on purpose (behind an authenticating proxy).",
  ]);
}

/** The same decision from the database on disk, for entries that check before starting anything. */
export async function checkAuthBeforeStart(config: GenqConfig): Promise<AuthPolicy> {
  const store = await openStore(config);
  try {
    return resolveAuthPolicy(config, await store.apiKeys.count());
  } finally {
    await store.close();
  }
}
