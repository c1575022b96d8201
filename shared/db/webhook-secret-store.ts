// Webhook signing secrets per tenant, with rotation: the previous secret keeps signing for a
// grace period, so receivers can switch without dropping messages. Tenants without their own
// secret use GENQ_WEBHOOK_SECRET, else one generated at first start and kept in SQLite.
import { randomBytes } from "node:crypto";
import { and, desc, eq, gt, isNull, lt, or } from "drizzle-orm";
import { newUlid } from "../ids.ts";
import type { GenqDatabase } from "./client.ts";
import { webhookSecrets } from "./schema/webhook-secrets.ts";

export interface WebhookSecretStoreOptions {
  /** GENQ_WEBHOOK_SECRET, the instance-wide default when set. */
  configuredSecret?: string;
  /** How long a rotated-out secret still signs. */
  graceMs: number;
}

export interface RotatedSecret {
  secret: string;
  createdAt: number;
  /** When the secrets it replaced stop signing. */
  previousExpiresAt: number;
}

const GENERATED_ID = "generated";

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export class WebhookSecretStore {
  constructor(
    private readonly db: GenqDatabase,
    private readonly options: WebhookSecretStoreOptions,
  ) {}

  /** Every secret that signs for `tenantId` now, newest first (never empty). */
  signingSecrets(tenantId: string, nowMs = Date.now()): string[] {
    const own = this.db
      .select({ secret: webhookSecrets.secret })
      .from(webhookSecrets)
      .where(
        and(
          eq(webhookSecrets.kind, "tenant"),
          eq(webhookSecrets.tenantId, tenantId),
          or(isNull(webhookSecrets.expiresAt), gt(webhookSecrets.expiresAt, nowMs)),
        ),
      )
      .orderBy(desc(webhookSecrets.createdAt), desc(webhookSecrets.id))
      .all();
    return own.length > 0 ? own.map((r) => r.secret) : [this.instanceSecret()];
  }

  /**
   * New current secret for the tenant; the ones it replaces (the instance default, the first
   * time) keep signing until now + grace. One transaction, so concurrent rotations serialize.
   */
  rotate(tenantId: string, nowMs = Date.now()): RotatedSecret {
    const fallback = this.instanceSecret();
    const previousExpiresAt = nowMs + this.options.graceMs;
    const secret = generateWebhookSecret();
    this.db.transaction(
      (tx) => {
        const mine = and(eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, tenantId));
        tx.delete(webhookSecrets).where(and(mine, lt(webhookSecrets.expiresAt, nowMs))).run();
        const current = tx.select().from(webhookSecrets).where(and(mine, isNull(webhookSecrets.expiresAt))).all();
        if (current.length === 0) {
          const live = tx.select().from(webhookSecrets).where(mine).all();
          // First rotation: what signed until now was the instance default; keep it valid too.
          if (live.length === 0) {
            tx.insert(webhookSecrets)
              .values({ id: `whs_${newUlid(nowMs)}`, kind: "tenant", tenantId, secret: fallback, createdAt: nowMs - 1, expiresAt: previousExpiresAt })
              .run();
          }
        } else {
          tx.update(webhookSecrets).set({ expiresAt: previousExpiresAt }).where(and(mine, isNull(webhookSecrets.expiresAt))).run();
        }
        tx.insert(webhookSecrets).values({ id: `whs_${newUlid(nowMs)}`, kind: "tenant", tenantId, secret, createdAt: nowMs, expiresAt: null }).run();
      },
      { behavior: "immediate" },
    );
    return { secret, createdAt: nowMs, previousExpiresAt };
  }

  /** GENQ_WEBHOOK_SECRET, else the generated one (created once; racing processes agree on it). */
  private instanceSecret(): string {
    if (this.options.configuredSecret) return this.options.configuredSecret;
    const existing = this.db.select().from(webhookSecrets).where(eq(webhookSecrets.id, GENERATED_ID)).get();
    if (existing) return existing.secret;
    this.db
      .insert(webhookSecrets)
      .values({ id: GENERATED_ID, kind: "generated", tenantId: "", secret: generateWebhookSecret(), createdAt: Date.now(), expiresAt: null })
      .onConflictDoNothing()
      .run();
    return this.db.select().from(webhookSecrets).where(eq(webhookSecrets.id, GENERATED_ID)).get()!.secret;
  }
}
