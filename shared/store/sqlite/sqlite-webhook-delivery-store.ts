// WebhookDeliveryStore on SQLite (better-sqlite3 + drizzle). Multi-statement steps run in one
// transaction each; state changes are conditional UPDATEs.
import { asc, eq } from "drizzle-orm";
import { jobs, type JobRow } from "../schema/jobs.ts";
import { webhookAttempts } from "../schema/webhook-attempts.ts";
import { webhookDeliveries, type NewWebhookDeliveryRow, type WebhookDeliveryRow } from "../schema/webhook-deliveries.ts";
import type { AttemptResult, DeliveryWithAttempts, WebhookDeliveryStore } from "../webhook-delivery-store.ts";
import { sqliteSubscribedToStatus, webhookDeliverySql as W } from "../webhook-delivery-sql.ts";
import type { GenqDatabase } from "./sqlite-database.ts";

export class SqliteWebhookDeliveryStore implements WebhookDeliveryStore {
  constructor(private readonly db: GenqDatabase) {}

  async insertIfAbsent(row: NewWebhookDeliveryRow): Promise<WebhookDeliveryRow> {
    this.db.insert(webhookDeliveries).values(row).onConflictDoNothing().run();
    return this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, row.id)).get()!;
  }

  async get(id: string): Promise<WebhookDeliveryRow | undefined> {
    return this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
  }

  async listForJob(jobId: string): Promise<DeliveryWithAttempts[]> {
    const rows = this.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.jobId, jobId))
      .orderBy(asc(webhookDeliveries.createdAt), asc(webhookDeliveries.id))
      .all();
    const attempts = this.db.select().from(webhookAttempts).where(eq(webhookAttempts.jobId, jobId)).orderBy(asc(webhookAttempts.id)).all();
    return rows.map((row) => ({ ...row, log: attempts.filter((a) => a.deliveryId === row.id) }));
  }

  async beginAttempt(id: string, nowMs: number): Promise<{ attemptId: number; delivery: WebhookDeliveryRow } | undefined> {
    return this.db.transaction((tx) => {
      const count = W.countAttempt(webhookDeliveries, id, nowMs);
      const changed = tx.update(webhookDeliveries).set(count.set).where(count.where).run().changes;
      if (changed !== 1) return undefined;
      const interrupt = W.interruptAttempts(webhookAttempts, id);
      tx.update(webhookAttempts).set(interrupt.set).where(interrupt.where).run();
      const delivery = tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get()!;
      const inserted = tx
        .insert(webhookAttempts)
        .values({ deliveryId: id, jobId: delivery.jobId, attempt: delivery.attempts, startedAt: nowMs, outcome: "in_progress" })
        .returning({ id: webhookAttempts.id })
        .get();
      return { attemptId: inserted.id, delivery };
    });
  }

  async finishAttempt(id: string, attemptId: number, result: AttemptResult, nowMs: number): Promise<boolean> {
    return this.db.transaction((tx) => {
      const attempt = W.finishAttempt(webhookAttempts, attemptId, result);
      const changed = tx.update(webhookAttempts).set(attempt.set).where(attempt.where).run().changes;
      if (changed !== 1) return false;
      const settle = W.settle(webhookDeliveries, id, result, nowMs);
      tx.update(webhookDeliveries).set(settle.set).where(settle.where).run();
      return true;
    });
  }

  async startRound(id: string, nowMs: number, maxRounds: number): Promise<WebhookDeliveryRow | undefined> {
    return this.db.transaction((tx) => {
      const row = tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
      if (!row || row.status === "pending" || row.round >= maxRounds) return undefined;
      const round = row.round + 1;
      tx.update(webhookDeliveries)
        .set({ status: "pending", roundAttempts: 0, round, queueJobId: `${id}.r${round}`, nextAttemptAt: nowMs, updatedAt: nowMs })
        .where(eq(webhookDeliveries.id, id))
        .run();
      return tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
    });
  }

  async listOverdue(dueBeforeMs: number, limit: number): Promise<WebhookDeliveryRow[]> {
    return this.db
      .select()
      .from(webhookDeliveries)
      .where(W.overdue(webhookDeliveries, dueBeforeMs))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(limit)
      .all();
  }

  async abandon(id: string, reason: string, nowMs: number): Promise<void> {
    const { set, where } = W.abandon(webhookDeliveries, id, reason, nowMs);
    this.db.update(webhookDeliveries).set(set).where(where).run();
  }

  async requeued(id: string, queueJobId: string, nowMs: number): Promise<void> {
    const { set, where } = W.requeued(webhookDeliveries, id, queueJobId, nowMs);
    this.db.update(webhookDeliveries).set(set).where(where).run();
  }


  async listJobsMissingTerminalDelivery(sinceMs: number, untilMs: number, limit: number): Promise<JobRow[]> {
    return this.db
      .select()
      .from(jobs)
      .where(W.missingTerminalDelivery(jobs, webhookDeliveries, sinceMs, untilMs, sqliteSubscribedToStatus(jobs)))
      .orderBy(jobs.updatedAt)
      .limit(limit)
      .all();
  }
}
