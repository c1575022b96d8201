// WebhookSecretStore on PostgreSQL: first-use creation, the one showing and rotation each hold
// the tenant's webhook-secrets advisory lock, so racing processes on any host agree on one secret.
import { and, desc, eq, gt, isNull, lt, or } from "drizzle-orm";
import { newUlid } from "../../ids.ts";
import { webhookSecrets } from "../schema/postgres/webhook-secrets.ts";
import {
  generateWebhookSecret,
  type RevealedSecret,
  type RotatedSecret,
  type WebhookSecretStore,
  type WebhookSecretStoreOptions,
} from "../webhook-secret-store.ts";
import type { GenqPgDatabase, PgTx } from "./postgres-database.ts";
import { LOCK_CLASS, lockInTransaction } from "./postgres-locks.ts";

export class PostgresWebhookSecretStore implements WebhookSecretStore {
  constructor(
    private readonly db: GenqPgDatabase,
    private readonly options: WebhookSecretStoreOptions,
  ) {}

  async signingSecrets(tenantId: string, nowMs: number): Promise<string[]> {
    const own = await this.db
      .select({ secret: webhookSecrets.secret })
      .from(webhookSecrets)
      .where(and(this.mine(tenantId), or(isNull(webhookSecrets.expiresAt), gt(webhookSecrets.expiresAt, nowMs))))
      .orderBy(desc(webhookSecrets.createdAt), desc(webhookSecrets.id));
    if (own.length > 0) return own.map((r) => r.secret);
    if (this.options.configuredSecret) return [this.options.configuredSecret];
    return [(await this.locked(tenantId, async (tx) => (await this.current(tx, tenantId)) ?? this.insertSecret(tx, tenantId, nowMs, null))).secret];
  }

  async reveal(tenantId: string, nowMs: number): Promise<RevealedSecret> {
    return this.locked(tenantId, async (tx): Promise<RevealedSecret> => {
      const current = await this.current(tx, tenantId);
      if (!current && this.options.configuredSecret) return { refused: "operator-secret" };
      const row = current ?? (await this.insertSecret(tx, tenantId, nowMs, null));
      if (row.revealedAt !== null) return { refused: "already-shown" };
      await tx.update(webhookSecrets).set({ revealedAt: nowMs }).where(eq(webhookSecrets.id, row.id));
      return { secret: row.secret, createdAt: row.createdAt };
    });
  }

  async rotate(tenantId: string, nowMs: number): Promise<RotatedSecret> {
    const previousExpiresAt = nowMs + this.options.graceMs;
    const secret = await this.locked(tenantId, async (tx) => {
      const mine = this.mine(tenantId);
      await tx.delete(webhookSecrets).where(and(mine, lt(webhookSecrets.expiresAt, nowMs)));
      const live = await tx.select({ id: webhookSecrets.id }).from(webhookSecrets).where(mine);
      if (live.length === 0 && this.options.configuredSecret) {
        // What signed until now was the operator's secret; keep it valid through the grace too.
        await tx
          .insert(webhookSecrets)
          .values({ id: `whs_${newUlid(nowMs)}`, kind: "tenant", tenantId, secret: this.options.configuredSecret, createdAt: nowMs - 1, expiresAt: previousExpiresAt });
      }
      await tx.update(webhookSecrets).set({ expiresAt: previousExpiresAt }).where(and(mine, isNull(webhookSecrets.expiresAt)));
      // Shown in the rotation's answer: that counts as its one showing.
      return (await this.insertSecret(tx, tenantId, nowMs, nowMs)).secret;
    });
    return { secret, createdAt: nowMs, previousExpiresAt };
  }

  private locked<T>(tenantId: string, run: (tx: PgTx) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await lockInTransaction(tx, LOCK_CLASS.webhookSecrets, tenantId);
      return run(tx);
    });
  }

  private mine(tenantId: string) {
    return and(eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, tenantId));
  }

  private async current(tx: PgTx, tenantId: string) {
    const [row] = await tx.select().from(webhookSecrets).where(and(this.mine(tenantId), isNull(webhookSecrets.expiresAt)));
    return row;
  }

  private async insertSecret(tx: PgTx, tenantId: string, nowMs: number, revealedAt: number | null) {
    const [row] = await tx
      .insert(webhookSecrets)
      .values({ id: `whs_${newUlid(nowMs)}`, kind: "tenant", tenantId, secret: generateWebhookSecret(), createdAt: nowMs, expiresAt: null, revealedAt })
      .returning();
    return row;
  }
}
