// WebhookSecretStore on D1: first-use creation, the one showing and rotation are each one
// db.batch. A secret is created by inserting it and, in the same batch, taking it back out when
// another current secret already exists, so racing isolates agree on one.
import { and, desc, eq, gt, isNull, lt, ne, or, sql } from "drizzle-orm";
import { newUlid } from "../../ids.ts";
import { webhookSecrets } from "../schema/webhook-secrets.ts";
import {
  generateWebhookSecret,
  type RevealedSecret,
  type RotatedSecret,
  type WebhookSecretStore,
  type WebhookSecretStoreOptions,
} from "../webhook-secret-store.ts";
import type { GenqD1Database } from "./d1-database.ts";

export class D1WebhookSecretStore implements WebhookSecretStore {
  constructor(
    private readonly db: GenqD1Database,
    private readonly options: WebhookSecretStoreOptions,
  ) {}

  async signingSecrets(tenantId: string, nowMs: number): Promise<string[]> {
    const own = await this.db
      .select({ secret: webhookSecrets.secret })
      .from(webhookSecrets)
      .where(and(this.mine(tenantId), or(isNull(webhookSecrets.expiresAt), gt(webhookSecrets.expiresAt, nowMs))))
      .orderBy(desc(webhookSecrets.createdAt), desc(webhookSecrets.id))
      .all();
    if (own.length > 0) return own.map((r) => r.secret);
    if (this.options.configuredSecret) return [this.options.configuredSecret];
    const [, , current] = await this.db.batch([...this.createCurrent(tenantId, nowMs), this.current(tenantId)]);
    return [current[0].secret];
  }

  async reveal(tenantId: string, nowMs: number): Promise<RevealedSecret> {
    const { db } = this;
    const current = and(this.mine(tenantId), isNull(webhookSecrets.expiresAt));
    const reveal = db.update(webhookSecrets).set({ revealedAt: nowMs }).where(and(current, isNull(webhookSecrets.revealedAt))).returning();
    // With GENQ_WEBHOOK_SECRET set, a tenant that never rotated has no secret of its own to show.
    const results = this.options.configuredSecret
      ? await db.batch([reveal, this.current(tenantId)])
      : await db.batch([...this.createCurrent(tenantId, nowMs), reveal, this.current(tenantId)]);
    const [revealed, existing] = results.slice(-2) as [Array<{ secret: string; createdAt: number }>, unknown[]];
    if (revealed.length > 0) return { secret: revealed[0].secret, createdAt: revealed[0].createdAt };
    return { refused: existing.length > 0 ? "already-shown" : "operator-secret" };
  }

  async rotate(tenantId: string, nowMs: number): Promise<RotatedSecret> {
    const { db } = this;
    const previousExpiresAt = nowMs + this.options.graceMs;
    const mine = this.mine(tenantId);
    const secret = generateWebhookSecret();
    const operatorId = `whs_${newUlid(nowMs)}`;
    const configured = this.options.configuredSecret;
    await db.batch([
      db.delete(webhookSecrets).where(and(mine, lt(webhookSecrets.expiresAt, nowMs))),
      // What signed until now was the operator's secret (the tenant had none live): it stays valid through the grace.
      ...(configured
        ? [
            db.insert(webhookSecrets).values({ id: operatorId, kind: "tenant", tenantId, secret: configured, createdAt: nowMs - 1, expiresAt: previousExpiresAt }),
            db.delete(webhookSecrets).where(and(eq(webhookSecrets.id, operatorId), sql`exists (select 1 from ${webhookSecrets} where ${mine} and ${ne(webhookSecrets.id, operatorId)})`)),
          ]
        : []),
      db.update(webhookSecrets).set({ expiresAt: previousExpiresAt }).where(and(mine, isNull(webhookSecrets.expiresAt))),
      // Shown in the rotation's answer: that counts as its one showing.
      db.insert(webhookSecrets).values({ id: `whs_${newUlid(nowMs)}`, kind: "tenant", tenantId, secret, createdAt: nowMs, expiresAt: null, revealedAt: nowMs }),
    ]);
    return { secret, createdAt: nowMs, previousExpiresAt };
  }

  private mine(tenantId: string) {
    return and(eq(webhookSecrets.kind, "tenant"), eq(webhookSecrets.tenantId, tenantId));
  }

  private current(tenantId: string) {
    return this.db.select().from(webhookSecrets).where(and(this.mine(tenantId), isNull(webhookSecrets.expiresAt))).limit(1);
  }

  /** Insert a current secret, then remove it again if the tenant already had one: two statements for a batch. */
  private createCurrent(tenantId: string, nowMs: number) {
    const id = `whs_${newUlid(nowMs)}`;
    const current = and(this.mine(tenantId), isNull(webhookSecrets.expiresAt));
    return [
      this.db.insert(webhookSecrets).values({ id, kind: "tenant", tenantId, secret: generateWebhookSecret(), createdAt: nowMs, expiresAt: null, revealedAt: null }),
      this.db.delete(webhookSecrets).where(and(eq(webhookSecrets.id, id), sql`exists (select 1 from ${webhookSecrets} where ${current} and ${ne(webhookSecrets.id, id)})`)),
    ] as const;
  }
}
