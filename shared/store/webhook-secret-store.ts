// The webhook-secrets part of the store port: per-tenant signing secrets, created at first use
// and shown to the tenant once, with rotation (the previous secret keeps signing for a grace
// period). GENQ_WEBHOOK_SECRET, when the operator sets it, signs for tenants that never rotated.
import { randomBytes } from "node:crypto";

export interface RotatedSecret {
  secret: string;
  createdAt: number;
  /** When the secrets it replaced stop signing. */
  previousExpiresAt: number;
}

export interface WebhookSecretStoreOptions {
  /** GENQ_WEBHOOK_SECRET: the operator's override for tenants without their own secret. */
  configuredSecret?: string;
  /** How long a rotated-out secret still signs. */
  graceMs: number;
}

/** The tenant's current secret the first time it asks; afterwards only why not. */
export type RevealedSecret = { secret: string; createdAt: number } | { refused: "already-shown" | "operator-secret" };

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export interface WebhookSecretStore {
  /** Every secret that signs for `tenantId` now, newest first (never empty; creates the tenant's first). */
  signingSecrets(tenantId: string, nowMs: number): Promise<string[]>;
  /** The current secret (created if none), once per secret; one atomic step. */
  reveal(tenantId: string, nowMs: number): Promise<RevealedSecret>;
  /**
   * One atomic step (concurrent rotations serialize): a new current secret for the tenant; the
   * ones it replaces (GENQ_WEBHOOK_SECRET, the first time, when set) keep signing until now + grace.
   */
  rotate(tenantId: string, nowMs: number): Promise<RotatedSecret>;
}
