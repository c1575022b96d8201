// The store contract, everything but jobs: webhook deliveries (recorded exactly once, attempts,
// redelivery rounds), API keys (the first key takes over the keyless tenant once), webhook and
// instance secrets (racing processes agree), tenant reassignment, ping and checkWritable — the
// same cases on SQLite and PostgreSQL, two Store instances on one fresh database.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashSecret } from "../../shared/auth/api-key-secret.ts";
import type { ApiKeyRow } from "../../shared/store/schema/api-keys.ts";
import type { NewWebhookDeliveryRow } from "../../shared/store/schema/webhook-deliveries.ts";
import type { Store } from "../../shared/store/store.ts";
import { jobRow, openTwoStores, STORE_DIALECTS, type StoreTarget } from "../harness/store-dialects.ts";

const SUCCEEDED = { outputText: "out", finishReason: "stop" as const, promptTokens: 1, completionTokens: 1 };

function delivery(jobId: string, nowMs: number, event = "job.succeeded"): NewWebhookDeliveryRow {
  return { id: `msg_${jobId}_${event.slice(4)}`, jobId, event, url: "http://127.0.0.1/hook", payload: "{}", status: "pending", queueJobId: "q1", nextAttemptAt: nowMs, createdAt: nowMs, updatedAt: nowMs };
}

function key(id: string, tenantId: string, createdAt: number): ApiKeyRow {
  return { id, name: id, tenantId, prefix: `p${id}`, secretHash: hashSecret(`secret-${id}`), createdAt, revokedAt: null };
}

describe.each(STORE_DIALECTS)("%s store: webhooks, keys, secrets, tenants", (dialect) => {
  let target: StoreTarget;
  let a: Store;
  let b: Store;

  beforeEach(async () => void ({ target, a, b } = await openTwoStores(dialect)));
  afterEach(async () => target?.drop());

  async function finishedJob(webhook: string | null, tenantId = ""): Promise<string> {
    const id = (await a.jobs.admit(jobRow({ webhook, tenantId }), 0) as { row: { id: string } }).row.id;
    await a.jobs.markRunning(id, Date.now());
    await a.jobs.complete(id, SUCCEEDED, Date.now());
    return id;
  }

  it("a delivery is recorded once however many processes dispatch it", async () => {
    const now = Date.now();
    const jobId = await finishedJob(JSON.stringify({ url: "http://127.0.0.1/hook" }));
    const rows = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).webhookDeliveries.insertIfAbsent({ ...delivery(jobId, now), queueJobId: `q${i}` })));
    expect(new Set(rows.map((r) => r.queueJobId)).size).toBe(1);
    expect(await a.webhookDeliveries.listForJob(jobId)).toHaveLength(1);
  });

  it("attempts: begin/finish, a duplicate run's attempt is written off, pending only", async () => {
    const now = Date.now();
    const jobId = await finishedJob(JSON.stringify({ url: "http://127.0.0.1/hook" }));
    const { id } = await a.webhookDeliveries.insertIfAbsent(delivery(jobId, now));
    const first = (await a.webhookDeliveries.beginAttempt(id, now))!;
    expect(first.delivery).toMatchObject({ attempts: 1, roundAttempts: 1 });
    const second = (await b.webhookDeliveries.beginAttempt(id, now + 1))!;
    // The first attempt's worker lost the job: its late finish is refused.
    expect(await a.webhookDeliveries.finishAttempt(id, first.attemptId, { outcome: "succeeded", status: "delivered", statusCode: 200, latencyMs: 5, error: null, nextAttemptAt: null }, now + 2)).toBe(false);
    expect(await b.webhookDeliveries.finishAttempt(id, second.attemptId, { outcome: "retrying", status: "pending", statusCode: 500, latencyMs: 5, error: "500", nextAttemptAt: now + 1_000 }, now + 3)).toBe(true);
    expect((await a.webhookDeliveries.listOverdue(now + 2_000, 10)).map((d) => d.id)).toEqual([id]);
    const third = (await a.webhookDeliveries.beginAttempt(id, now + 4))!;
    await a.webhookDeliveries.finishAttempt(id, third.attemptId, { outcome: "succeeded", status: "delivered", statusCode: 200, latencyMs: 5, error: null, nextAttemptAt: null }, now + 5);
    expect(await b.webhookDeliveries.beginAttempt(id, now + 6)).toBeUndefined();
    const [log] = await b.webhookDeliveries.listForJob(jobId);
    expect(log).toMatchObject({ status: "delivered", attempts: 3, deliveredAt: now + 5, lastStatusCode: 200 });
    expect(log.log.map((l) => [l.attempt, l.outcome])).toEqual([[1, "interrupted"], [2, "retrying"], [3, "succeeded"]]);
  });

  it("redelivery rounds: racing requests start one round, at most maxRounds", async () => {
    const now = Date.now();
    const jobId = await finishedJob(JSON.stringify({ url: "http://127.0.0.1/hook" }));
    const { id } = await a.webhookDeliveries.insertIfAbsent(delivery(jobId, now));
    expect(await a.webhookDeliveries.startRound(id, now, 2)).toBeUndefined();
    await a.webhookDeliveries.abandon(id, "receiver gone", now);
    expect(await b.webhookDeliveries.get(id)).toMatchObject({ status: "failed", lastError: "receiver gone" });
    const racing = await Promise.all([a, b, a, b].map((s) => s.webhookDeliveries.startRound(id, now + 1, 2)));
    expect(racing.filter(Boolean)).toHaveLength(1);
    expect(racing.find(Boolean)).toMatchObject({ status: "pending", round: 1, roundAttempts: 0, queueJobId: `${id}.r1` });
    await b.webhookDeliveries.requeued(id, "replacement", now + 2);
    expect(await a.webhookDeliveries.get(id)).toMatchObject({ queueJobId: "replacement" });
    await a.webhookDeliveries.abandon(id, "again", now + 3);
    expect(await a.webhookDeliveries.startRound(id, now + 4, 2)).toMatchObject({ round: 2 });
    await a.webhookDeliveries.abandon(id, "again", now + 5);
    expect(await a.webhookDeliveries.startRound(id, now + 6, 2)).toBeUndefined();
  });

  it("finds terminal jobs whose wanted terminal event has no delivery", async () => {
    const since = Date.now() - 1;
    const all = await finishedJob(JSON.stringify({ url: "http://127.0.0.1/a" }));
    const wanted = await finishedJob(JSON.stringify({ url: "http://127.0.0.1/b", events: ["job.failed", "job.succeeded"] }));
    await finishedJob(JSON.stringify({ url: "http://127.0.0.1/c", events: ["job.failed"] }));
    await finishedJob(null);
    const delivered = await finishedJob(JSON.stringify({ url: "http://127.0.0.1/d" }));
    await a.webhookDeliveries.insertIfAbsent(delivery(delivered, Date.now()));
    const missing = await b.webhookDeliveries.listJobsMissingTerminalDelivery(since, Date.now() + 1, 10);
    expect(missing.map((j) => j.id).sort()).toEqual([all, wanted].sort());
  });

  it("API keys: the first of racing first keys takes over the keyless tenant's jobs, once", async () => {
    const now = Date.now();
    const open = (await a.jobs.admit(jobRow({ idempotencyKey: "k" }), 0) as { row: { id: string } }).row.id;
    const inserted = await Promise.all([a, b, a, b].map((s, i) => s.apiKeys.insert(key(`key_${i}`, `tenant${i}`, now + i))));
    const inheritors = inserted.filter((r) => r?.inherited);
    expect(inheritors).toHaveLength(1);
    expect(inheritors[0]!.inherited).toMatchObject({ jobs: 1 });
    expect(await a.apiKeys.insert(key("key_0", "x", now))).toBeUndefined();
    expect(await b.apiKeys.count()).toBe(4);
    expect((await b.apiKeys.list()).map((k) => k.id)).toEqual(["key_3", "key_2", "key_1", "key_0"]);
    expect((await a.jobs.get(open))!.tenantId).not.toBe("");
    const revoked = await b.apiKeys.revoke("key_1", now + 10);
    expect((await a.apiKeys.revoke("key_1", now + 20))!.revokedAt).toBe(revoked!.revokedAt);
    expect(await a.apiKeys.getByPrefix("pkey_2")).toMatchObject({ id: "key_2" });
    expect(await a.apiKeys.get("key_9")).toBeUndefined();
  });

  it("tenant reassignment moves jobs, deliveries and secrets; the target keeps a shared Idempotency-Key", async () => {
    const moved = (await a.jobs.admit(jobRow({ tenantId: "from", idempotencyKey: "same" }), 0) as { row: { id: string } }).row.id;
    const kept = (await a.jobs.admit(jobRow({ tenantId: "to", idempotencyKey: "same" }), 0) as { row: { id: string } }).row.id;
    await a.webhookDeliveries.insertIfAbsent({ ...delivery(moved, Date.now()), tenantId: "from" });
    await a.webhookSecrets.signingSecrets("from", Date.now());
    expect(await b.tenants.reassign("from", "to")).toEqual({ jobs: 1, webhookDeliveries: 1, webhookSecrets: 1 });
    expect(await a.jobs.findByIdempotencyKey("to", "same")).toMatchObject({ id: kept });
    expect(await a.jobs.getForTenant(moved, "to")).toMatchObject({ idempotencyKey: null });
    expect(await b.tenants.reassign("to", "to")).toEqual({ jobs: 0, webhookDeliveries: 0, webhookSecrets: 0 });
  });

  it("webhook secrets: racing first uses agree, shown once, rotation keeps the old one signing", async () => {
    const now = Date.now();
    const firsts = await Promise.all([a, b, a, b].map((s) => s.webhookSecrets.signingSecrets("t", now)));
    expect(new Set(firsts.map((s) => s.join()))).toEqual(new Set([firsts[0].join()]));
    const reveals = await Promise.all([a, b].map((s) => s.webhookSecrets.reveal("t", now)));
    expect(reveals.filter((r) => "secret" in r)).toEqual([{ secret: firsts[0][0], createdAt: now }]);
    expect(reveals.filter((r) => "refused" in r)).toEqual([{ refused: "already-shown" }]);
    const rotated = await b.webhookSecrets.rotate("t", now + 1);
    expect(await a.webhookSecrets.signingSecrets("t", now + 2)).toEqual([rotated.secret, firsts[0][0]]);
    expect(await a.webhookSecrets.signingSecrets("t", rotated.previousExpiresAt + 1)).toEqual([rotated.secret]);
    const operator = await target.open({ configuredSecret: "whsec_b3BlcmF0b3I=" });
    expect(await operator.webhookSecrets.signingSecrets("u", now)).toEqual(["whsec_b3BlcmF0b3I="]);
    expect(await operator.webhookSecrets.reveal("u", now)).toEqual({ refused: "operator-secret" });
    const own = await operator.webhookSecrets.rotate("u", now);
    expect(await operator.webhookSecrets.signingSecrets("u", now + 1)).toEqual([own.secret, "whsec_b3BlcmF0b3I="]);
  });

  it("instance secrets agree across processes; ping and checkWritable answer", async () => {
    const secrets = await Promise.all([a, b, a, b].map((s) => s.instanceSecrets.getOrCreate("stream-token", Date.now())));
    expect(new Set(secrets).size).toBe(1);
    await expect(a.ping()).resolves.toBeUndefined();
    await expect(b.checkWritable()).resolves.toBeUndefined();
    expect(await a.instanceSecrets.getOrCreate("stream-token", Date.now())).toBe(secrets[0]);
  });
});
