// The webhook-secrets part of the store port: per-tenant signing secrets with rotation (the
// previous secret keeps signing for a grace period). Tenants without their own secret use
// GENQ_WEBHOOK_SECRET, else one generated at first start and kept in the store.
import { randomBytes } from "node:crypto";

export interface RotatedSecret {
  secret: string;
  createdAt: number;
  /** When the secrets it replaced stop signing. */
  previousExpiresAt: number;
}

export interface WebhookSecretStoreOptions {
  /** GENQ_WEBHOOK_SECRET, the instance-wide default when set. */
  configuredSecret?: string;
  /** How long a rotated-out secret still signs. */
  graceMs: number;
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export interface WebhookSecretStore {
  /** Every secret that signs for `tenantId` now, newest first (never empty). */
  signingSecrets(tenantId: string, nowMs: number): Promise<string[]>;
  /**
   * One atomic step (concurrent rotations serialize): a new current secret for the tenant; the
   * ones it replaces (the instance default, the first time) keep signing until now + grace.
   */
  rotate(tenantId: string, nowMs: number): Promise<RotatedSecret>;
}
