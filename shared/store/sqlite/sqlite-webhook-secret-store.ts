// WebhookSecretStore on SQLite (better-sqlite3 + drizzle): first-use creation, the one showing
// and rotation are each one IMMEDIATE transaction, so racing processes agree on one secret.
import { and, desc, eq, gt, isNull, lt, or } from "drizzle-orm";
import { newUlid } from "../../ids.ts";
import { webhookSecrets } from "../schema/webhook-secrets.ts";
import {
  generateWebhookSecret,
  type RevealedSecret,
  type RotatedSecret,
  type WebhookSecretStore,
  type WebhookSecretStoreOptions,
} from "../webhook-secret-store.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

export class SqliteWebhookSecretStore implements WebhookSecretStore {
  constructor(
    private readonly db: GenqDatabase,
    private readonly options: WebhookSecretStoreOptions,
  ) {}

  /** Every secret that signs for `tenantId` now, newest first (never empty). */
  async signingSecrets(tenantId: string, nowMs: number): Promise<string[]> {
    const own = this.liveSecrets(tenantId, nowMs);
    if (own.length > 0) return own.map((r) => r.secret);
    if (this.options.configuredSecret) return [this.options.configuredSecret];
    return [this.ensureCurrent(tenantId, nowMs).secret];
  }

  /** The current secret, once per secret (a rotation shows its new one in its own answer). */
  async reveal(tenantId: string, nowMs: number): Promise<RevealedSecret> {
    return this.db.transaction(
      (tx) => {
        const current = tx.select().from(webhookSecrets).where(and(this.mine(tenantId), isNull(webhookSecrets.expiresAt))).get();
        if (!current && this.options.configuredSecret) return { refused: "operator-secret" as const };
        const row = current ?? this.insertSecret(tx, tenantId, nowMs, null);
        if (row.revealedAt !== null) return { refused: "already-shown" as const };
        tx.update(webhookSecrets).set({ revealedAt: nowMs }).where(eq(webhookSecrets.id, row.id)).run();
        return { secret: row.secret, createdAt: row.createdAt };
      },
      { behavior: "immediate" },
    );
  }

  /**
   * New current secret for the tenant; the ones it replaces (the operator's GENQ_WEBHOOK_SECRET,
   * the first time, when set) keep signing until now + grace. One transaction, so concurrent
   * rotations serialize.
   */
  async rotate(tenantId: string, nowMs: number): Promise<RotatedSecret> {
    const previousExpiresAt = nowMs + this.options.graceMs;
    const secret = this.db.transaction(
      (tx) => {
        const mine = this.mine(tenantId);
        tx.delete(webhookSecrets).where(and(mine, lt(webhookSecrets.expiresAt, nowMs))).run();
        const live = tx.select().from(webhookSecrets).where(mine).all();
        if (live.length === 0 && this.options.configuredSecret) {
          // What signed until now was the operator's secret; keep it valid through the grace too.
          tx.insert(webhookSecrets)
            .values({ id: `whs_${newUlid(nowMs)}`, kind: "tenant", tenantId, secret: this.options.configuredSecret, createdAt: nowMs - 1, expiresAt: previousExpiresAt })
            .run();
        }
        tx.update(webhookSecrets).set({ expiresAt: previousExpiresAt }).where(and(mine, isNull(webhookSecrets.expiresAt))).run();
        // Shown in the rotation's answer: that counts as its one showing.
        return this.insertSecret(tx, tenantId, nowMs, nowMs).secret;
      },
      { behavior: "immediate" },
    );
    return { secret, createdAt: nowMs, previousExpiresAt };
  }

  private mine(tenantId: string) {
    return and(eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, tenantId));
  }

  private liveSecrets(tenantId: string, nowMs: number) {
    return this.db
      .select({ secret: webhookSecrets.secret })
      .from(webhookSecrets)
      .where(and(this.mine(tenantId), or(isNull(webhookSecrets.expiresAt), gt(webhookSecrets.expiresAt, nowMs))))
      .orderBy(desc(webhookSecrets.createdAt), desc(webhookSecrets.id))
      .all();
  }

  /** The tenant's current secret, created now if it has none (racing processes agree on one). */
  private ensureCurrent(tenantId: string, nowMs: number) {
    return this.db.transaction(
      (tx) => tx.select().from(webhookSecrets).where(and(this.mine(tenantId), isNull(webhookSecrets.expiresAt))).get() ?? this.insertSecret(tx, tenantId, nowMs, null),
      { behavior: "immediate" },
    );
  }

  private insertSecret(tx: Pick<GenqDatabase, "insert">, tenantId: string, nowMs: number, revealedAt: number | null) {
    return tx
      .insert(webhookSecrets)
      .values({ id: `whs_${newUlid(nowMs)}`, kind: "tenant", tenantId, secret: generateWebhookSecret(), createdAt: nowMs, expiresAt: null, revealedAt })
      .returning()
      .get();
  }
}
