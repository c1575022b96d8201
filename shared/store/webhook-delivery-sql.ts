// The SQL of webhook delivery and attempt state changes, written once for every dialect (SQLite,
// PostgreSQL, D1): what each writes and the state it requires (only a pending delivery and an
// in-progress attempt change), and which rows the sweeps pick. Each store runs these on its tables.
import { and, eq, gt, inArray, isNotNull, lt, lte, sql, type SQL } from "drizzle-orm";
import type { JobsTable } from "./job-transition-sql.ts";
import { TERMINAL_STATUSES } from "./schema/jobs.ts";
import type { webhookAttempts as pgAttempts } from "./schema/postgres/webhook-attempts.ts";
import type { webhookDeliveries as pgDeliveries } from "./schema/postgres/webhook-deliveries.ts";
import type { webhookAttempts as sqliteAttempts } from "./schema/webhook-attempts.ts";
import type { webhookDeliveries as sqliteDeliveries } from "./schema/webhook-deliveries.ts";
import type { AttemptResult } from "./webhook-delivery-store.ts";

type DeliveriesTable = typeof sqliteDeliveries | typeof pgDeliveries;
type AttemptsTable = typeof sqliteAttempts | typeof pgAttempts;

const pending = (d: DeliveriesTable, id: string) => and(eq(d.id, id), eq(d.status, "pending"));

export const webhookDeliverySql = {
  /** pending: one more attempt, counted in total and in this round. */
  countAttempt: (d: DeliveriesTable, id: string, nowMs: number) => ({
    set: { attempts: sql`${d.attempts} + 1`, roundAttempts: sql`${d.roundAttempts} + 1`, updatedAt: nowMs },
    where: pending(d, id),
  }),
  /** The delivery's attempts still in progress: their worker stopped mid-attempt. */
  interruptAttempts: (a: AttemptsTable, deliveryId: string) => ({
    set: { outcome: "interrupted" as const, error: "the delivering worker stopped mid-attempt" },
    where: and(eq(a.deliveryId, deliveryId), eq(a.outcome, "in_progress")),
  }),
  /** in_progress -> the attempt's outcome. */
  finishAttempt: (a: AttemptsTable, attemptId: number, result: AttemptResult) => ({
    set: { outcome: result.outcome, statusCode: result.statusCode, latencyMs: result.latencyMs, error: result.error, nextAttemptAt: result.nextAttemptAt },
    where: and(eq(a.id, attemptId), eq(a.outcome, "in_progress")),
  }),
  /** pending: the delivery's state after an attempt. */
  settle: (d: DeliveriesTable, id: string, result: AttemptResult, nowMs: number) => ({
    set: {
      status: result.status,
      lastStatusCode: result.statusCode,
      lastError: result.error,
      nextAttemptAt: result.nextAttemptAt,
      updatedAt: nowMs,
      ...(result.status === "delivered" ? { deliveredAt: nowMs } : {}),
    },
    where: pending(d, id),
  }),
  /** pending -> failed, for good. */
  abandon: (d: DeliveriesTable, id: string, reason: string, nowMs: number) => ({
    set: { status: "failed" as const, lastError: reason, nextAttemptAt: null, updatedAt: nowMs },
    where: pending(d, id),
  }),
  /** pending: scheduled again under a new BullMQ job id. */
  requeued: (d: DeliveriesTable, id: string, queueJobId: string, nowMs: number) => ({
    set: { queueJobId, nextAttemptAt: nowMs, updatedAt: nowMs },
    where: pending(d, id),
  }),
  /** Pending and due before dueBeforeMs (the reconciler re-enqueues them). */
  overdue: (d: DeliveriesTable, dueBeforeMs: number) => and(eq(d.status, "pending"), lt(d.nextAttemptAt, dueBeforeMs)),
  /**
   * Terminal jobs changed in (sinceMs, untilMs] with a webhook subscribed to their status's event
   * (`subscribed`: the dialect's JSON test) and no delivery of it. Terminal events' message ids
   * are msg_<job id>_<status> (webhook-events.ts).
   */
  missingTerminalDelivery: (j: JobsTable, d: DeliveriesTable, sinceMs: number, untilMs: number, subscribed: SQL) =>
    and(
      inArray(j.status, [...TERMINAL_STATUSES]),
      gt(j.updatedAt, sinceMs),
      lte(j.updatedAt, untilMs),
      isNotNull(j.webhook),
      subscribed,
      sql`not exists (select 1 from ${d} d where d.id = 'msg_' || ${j.id} || '_' || ${j.status})`,
    ),
};

/** SQLite and D1: the job's webhook has no `events` (all events) or lists its status's event. */
export const sqliteSubscribedToStatus = (j: JobsTable): SQL =>
  sql`(json_extract(${j.webhook}, '$.events') is null
       or exists (select 1 from json_each(${j.webhook}, '$.events') e where e.value = 'job.' || ${j.status}))`;
