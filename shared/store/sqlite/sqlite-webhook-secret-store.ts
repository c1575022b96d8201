// WebhookSecretStore on SQLite (better-sqlite3 + drizzle); rotation is one IMMEDIATE transaction.
import { and, desc, eq, gt, isNull, lt, or } from "drizzle-orm";
import { newUlid } from "../../ids.ts";
import { webhookSecrets } from "../schema/webhook-secrets.ts";
import {
  generateWebhookSecret,
  type RotatedSecret,
  type WebhookSecretStore,
  type WebhookSecretStoreOptions,
} from "../webhook-secret-store.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

const GENERATED_ID = "generated";

export class SqliteWebhookSecretStore implements WebhookSecretStore {
  constructor(
    private readonly db: GenqDatabase,
    private readonly options: WebhookSecretStoreOptions,
  ) {}

  async signingSecrets(tenantId: string, nowMs: number): Promise<string[]> {
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

  async rotate(tenantId: string, nowMs: number): Promise<RotatedSecret> {
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
