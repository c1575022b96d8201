// A DNS lookup for http(s).request that drops addresses the SSRF policy refuses. Node connects
// to exactly the address this returns, so the checked IP is the connected IP (no rebinding
// window between a separate check and the connect).
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import type { WebhookAddressPolicy } from "../../webhooks/address-policy.ts";

/**
 * `message` is what the tenant sees in the attempt log: only that the target was refused, never
 * the DNS answers (they map the operator's internal network). `detail` is for the operator's log.
 */
export class BlockedAddressError extends Error {
  readonly code = "EWEBHOOKBLOCKED";

  constructor(
    hostname: string,
    readonly detail: string,
  ) {
    super(`webhook target ${hostname} refused: it does not resolve to an address webhooks may reach`);
  }
}

/** The system resolver's `all: true` form; tests pass a fixed answer (DNS is the outside world). */
export type ResolveAll = (hostname: string, options: LookupOptions & { all: true }, callback: (error: Error | null, addresses: LookupAddress[]) => void) => void;

export function guardedLookup(policy: WebhookAddressPolicy, resolveAll: ResolveAll = dnsLookup): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (...args: never[]) => void) => {
    const done = callback as unknown as (error: Error | null, address?: string | LookupAddress[], family?: number) => void;
    resolveAll(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return done(error);
      const allowed = policy.isHostAllowed(hostname) ? addresses : addresses.filter((a) => policy.refusal(a.address) === null);
      if (allowed.length === 0) {
        const reasons = addresses.map((a) => policy.refusal(a.address) ?? a.address).join("; ");
        return done(new BlockedAddressError(hostname, `${hostname} resolves only to refused addresses (${reasons})`));
      }
      if (options.all) done(null, allowed);
      else done(null, allowed[0].address, allowed[0].family);
    });
  };
}
