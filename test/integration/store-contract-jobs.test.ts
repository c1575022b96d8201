// The store contract, jobs part: the same cases against SQLite and PostgreSQL, each on a fresh
// database with two Store instances on it (two processes, or two hosts): admission (idempotency,
// tenant cap, fair rank) stays atomic under racing admits, terminal states stay final, retention
// sweeps racing each other delete every expired job once.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Admission } from "../../shared/store/job-store.ts";
import type { Store } from "../../shared/store/store.ts";
import { jobRow, openTwoStores, STORE_DIALECTS, type StoreTarget } from "../harness/store-dialects.ts";

const RESULT = { outputText: "out", finishReason: "stop" as const, promptTokens: 3, completionTokens: 2 };

describe.each(STORE_DIALECTS)("%s store: jobs", (dialect) => {
  let target: StoreTarget;
  let a: Store;
  let b: Store;

  beforeEach(async () => void ({ target, a, b } = await openTwoStores(dialect)));
  afterEach(async () => target?.drop());

  it("admits, ranks per tenant and model, replays an Idempotency-Key and refuses over the cap", async () => {
    const first = await a.jobs.admit(jobRow(), 3);
    const second = await b.jobs.admit(jobRow({ idempotencyKey: "k1" }), 3);
    const otherModel = await a.jobs.admit(jobRow({ model: "other" }), 3);
    expect([first, second, otherModel].map((r) => r.outcome)).toEqual(["admitted", "admitted", "admitted"]);
    expect([first, second, otherModel].map((r) => (r as Extract<Admission, { outcome: "admitted" }>).queuedAhead)).toEqual([0, 1, 0]);
    const replay = await a.jobs.admit(jobRow({ idempotencyKey: "k1" }), 3);
    expect(replay).toMatchObject({ outcome: "duplicate", row: { id: (second as { row: { id: string } }).row.id } });
    expect(await b.jobs.admit(jobRow(), 3)).toEqual({ outcome: "over-quota", active: 3 });
    // Another tenant has its own cap; the same key is its own.
    expect((await b.jobs.admit(jobRow({ tenantId: "t2", idempotencyKey: "k1" }), 3)).outcome).toBe("admitted");
    // Finished jobs free their slot.
    await a.jobs.cancelQueued((first as { row: { id: string } }).row.id, Date.now());
    expect((await a.jobs.admit(jobRow(), 3)).outcome).toBe("admitted");
    expect(await a.jobs.countActiveByStatus()).toEqual({ queued: 4, running: 0 });
  });

  it("lists the newest jobs across tenants for the admin dashboard, newest first, limited", async () => {
    const ids: string[] = [];
    for (const tenantId of ["t1", "t2", "t1", "t3"]) ids.push(((await a.jobs.admit(jobRow({ tenantId }), 0)) as { row: { id: string } }).row.id);
    expect((await b.jobs.listRecentAcrossTenants(3)).map((r) => [r.id, r.tenantId])).toEqual([
      [ids[3], "t3"],
      [ids[2], "t1"],
      [ids[1], "t2"],
    ]);
    expect((await b.jobs.list({ tenantId: "t1", limit: 10 })).map((r) => r.id)).toEqual([ids[2], ids[0]]);
  });

  it("racing admits from two store instances never exceed the tenant cap", async () => {
    const CAP = 5;
    const outcomes = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).jobs.admit(jobRow(), CAP)));
    expect(outcomes.filter((o) => o.outcome === "admitted")).toHaveLength(CAP);
    expect(outcomes.filter((o) => o.outcome === "over-quota")).toHaveLength(24 - CAP);
    // Ranks are a permutation of 0..CAP-1: each admission counted every one before it.
    const ranks = outcomes.flatMap((o) => (o.outcome === "admitted" ? [o.queuedAhead] : [])).sort((x, y) => x - y);
    expect(ranks).toEqual([0, 1, 2, 3, 4]);
    expect((await a.jobs.countActiveByStatus()).queued).toBe(CAP);
  });

  it("racing admits with one Idempotency-Key insert one job", async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).jobs.admit(jobRow({ idempotencyKey: "same" }), 0)));
    const admitted = outcomes.filter((o) => o.outcome === "admitted");
    expect(admitted).toHaveLength(1);
    const ids = new Set(outcomes.map((o) => (o.outcome === "over-quota" ? "" : o.row.id)));
    expect(ids.size).toBe(1);
    expect(await a.jobs.findByIdempotencyKey("", "same")).toMatchObject({ id: [...ids][0] });
  });

  it("stores an output holding U+0000 (a byte-fallback token of a random model): SQLite as is, PostgreSQL as U+FFFD", async () => {
    const { id } = (await a.jobs.admit(jobRow(), 0) as { row: { id: string } }).row;
    await b.jobs.markRunning(id, Date.now());
    const done = await a.jobs.complete(id, { ...RESULT, outputText: "a\u0000b" }, Date.now());
    expect(done?.status).toBe("succeeded");
    expect((await b.jobs.get(id))?.outputText).toBe(dialect === "postgres" ? "a\uFFFDb" : "a\u0000b");
  });

  it("terminal states are final: a late result, failure or cancel changes nothing", async () => {
    const { id } = (await a.jobs.admit(jobRow(), 0) as { row: { id: string } }).row;
    const running = await b.jobs.markRunning(id, Date.now());
    expect(running).toMatchObject({ status: "running", attempts: 1, version: 2 });
    expect(await b.jobs.countEngineRun(id, Date.now())).toBe(1);
    const done = await a.jobs.complete(id, RESULT, Date.now());
    expect(done).toMatchObject({ status: "succeeded", outputText: "out", finishReason: "stop", promptTokens: 3, completionTokens: 2 });
    expect(await b.jobs.fail(id, "INTERNAL", "late", Date.now())).toBeUndefined();
    expect(await b.jobs.complete(id, { ...RESULT, outputText: "late" }, Date.now())).toBeUndefined();
    expect(await b.jobs.expire(id, "RUN_TIMEOUT", "late", Date.now())).toBeUndefined();
    expect(await b.jobs.cancelQueued(id, Date.now())).toBeUndefined();
    expect(await b.jobs.requestCancel(id, Date.now())).toBeUndefined();
    expect(await b.jobs.markRunning(id, Date.now())).toBeUndefined();
    expect(await b.jobs.handBack(id, true, Date.now())).toBeUndefined();
    expect(await a.jobs.get(id)).toMatchObject({ status: "succeeded", outputText: "out", version: done!.version });
  });

  it("racing terminal writes from two instances: exactly one wins", async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, async () => (await a.jobs.admit(jobRow(), 0) as { row: { id: string } }).row.id));
    for (const id of ids) await a.jobs.markRunning(id, Date.now());
    const results = await Promise.all(
      ids.flatMap((id) => [a.jobs.complete(id, RESULT, Date.now()), b.jobs.fail(id, "INTERNAL", "x", Date.now()), b.jobs.expire(id, "RUN_TIMEOUT", "x", Date.now())]),
    );
    for (let i = 0; i < ids.length; i++) {
      const winners = results.slice(i * 3, i * 3 + 3).filter(Boolean);
      expect(winners).toHaveLength(1);
      expect((await b.jobs.get(ids[i]))!.status).toBe(winners[0]!.status);
    }
  });

  it("cancel: queued rows cancel at once, running rows get a request, then the worker's canceled result", async () => {
    const queued = (await a.jobs.admit(jobRow(), 0) as { row: { id: string } }).row.id;
    const running = (await a.jobs.admit(jobRow(), 0) as { row: { id: string } }).row.id;
    await b.jobs.markRunning(running, Date.now());
    expect(await b.jobs.requestCancel(queued, Date.now())).toBeUndefined();
    expect(await b.jobs.cancelQueued(queued, Date.now())).toMatchObject({ status: "canceled", finishReason: "canceled", outputText: "", cancelRequested: true });
    expect(await a.jobs.cancelQueued(running, Date.now())).toBeUndefined();
    expect(await a.jobs.requestCancel(running, Date.now())).toMatchObject({ status: "running", cancelRequested: true });
    expect(await b.jobs.complete(running, { ...RESULT, finishReason: "canceled" }, Date.now())).toMatchObject({ status: "canceled", outputText: "out" });
  });

  it("hand-back, engine runs, deadlines and expiry", async () => {
    const now = Date.now();
    const id = (await a.jobs.admit(jobRow(), 0) as { row: { id: string } }).row.id;
    expect(await a.jobs.countEngineRun(id, now)).toBe(0);
    await a.jobs.markRunning(id, now);
    await a.jobs.countEngineRun(id, now);
    expect(await b.jobs.handBack(id, true, now)).toMatchObject({ status: "queued", engineRuns: 0 });
    expect(await b.jobs.handBack(id, true, now)).toBeUndefined();
    await a.jobs.markRunning(id, now);
    await a.jobs.countEngineRun(id, now);
    expect(await b.jobs.handBack(id, false, now)).toMatchObject({ status: "queued", engineRuns: 1, attempts: 2 });

    const late = (await a.jobs.admit(jobRow({ createdAt: now - 10_000, queueDeadlineAt: now - 1 }), 0) as { row: { id: string } }).row.id;
    expect(await a.jobs.markRunning(late, now)).toBeUndefined();
    expect((await b.jobs.listPastQueueDeadline(now, 10)).map((r) => r.id)).toEqual([late]);
    expect((await b.jobs.listQueuedOlderThan(now - 5_000, 10)).map((r) => r.id)).toEqual([late]);
    expect(await b.jobs.expire(late, "QUEUE_TIMEOUT", "waited too long", now)).toMatchObject({ status: "expired", errorCode: "QUEUE_TIMEOUT", finishReason: null });

    const slow = (await a.jobs.admit(jobRow({ runTimeoutMs: 1_000 }), 0) as { row: { id: string } }).row.id;
    await a.jobs.markRunning(slow, now);
    expect(await b.jobs.listPastRunTimeout(now + 500, 10)).toEqual([]);
    expect((await b.jobs.listPastRunTimeout(now + 1_500, 10)).map((r) => r.id)).toEqual([slow]);
    const partial = { outputText: "par", promptTokens: 1, completionTokens: 1 };
    expect(await b.jobs.expire(slow, "RUN_TIMEOUT", "ran too long", now, partial)).toMatchObject({ status: "expired", finishReason: "timeout", outputText: "par" });
  });

  it("reads: per tenant, newest first with a cursor, by status, active for the reconciler, counts", async () => {
    const t0 = Date.now() - 1_000;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await a.jobs.admit(jobRow({ createdAt: t0 + i, tenantId: "t1" }), 0) as { row: { id: string } }).row.id);
    await a.jobs.admit(jobRow({ tenantId: "t2" }), 0);
    await a.jobs.markRunning(ids[1], t0 + 10);
    await a.jobs.fail(ids[1], "INTERNAL", "x", t0 + 11);
    const page = await b.jobs.list({ tenantId: "t1", limit: 2 });
    expect(page.map((r) => r.id)).toEqual([ids[4], ids[3]]);
    expect((await b.jobs.list({ tenantId: "t1", limit: 10, after: ids[3] })).map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect((await b.jobs.list({ tenantId: "t1", limit: 10, status: "failed" })).map((r) => r.id)).toEqual([ids[1]]);
    expect(await b.jobs.getForTenant(ids[0], "t2")).toBeUndefined();
    expect(await b.jobs.getForTenant(ids[0], "t1")).toMatchObject({ id: ids[0] });
    expect((await b.jobs.listActive(t0 + 3, 10)).map((r) => r.id)).toEqual([ids[0], ids[2]]);
    expect(await b.jobs.countByStatus()).toEqual({ queued: 5, failed: 1 });
  });

  it("retention: racing sweeps delete each expired job (and its deliveries) once, never an active one", async () => {
    const now = Date.now();
    const old: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = (await a.jobs.admit(jobRow(), 0) as { row: { id: string } }).row.id;
      await a.jobs.markRunning(id, now - 10_000);
      await a.jobs.complete(id, RESULT, now - 10_000);
      await a.webhookDeliveries.insertIfAbsent({ id: `msg_${id}_succeeded`, jobId: id, event: "job.succeeded", url: "http://x", payload: "{}", status: "pending", queueJobId: "q", createdAt: now, updatedAt: now });
      await a.webhookDeliveries.beginAttempt(`msg_${id}_succeeded`, now);
      old.push(id);
    }
    const fresh = (await a.jobs.admit(jobRow(), 0) as { row: { id: string } }).row.id;
    await a.jobs.markRunning(fresh, now);
    await a.jobs.complete(fresh, RESULT, now);
    const active = (await a.jobs.admit(jobRow({ createdAt: now - 20_000, updatedAt: now - 20_000 }), 0) as { row: { id: string } }).row.id;
    const sweeps = await Promise.all([a, b, a, b].map((s) => s.jobs.deleteExpired(now - 5_000, 4)));
    const again = await Promise.all([a, b].map((s) => s.jobs.deleteExpired(now - 5_000, 10)));
    const deleted = [...sweeps, ...again].flat();
    expect(deleted.sort()).toEqual([...old].sort());
    expect(await b.jobs.get(fresh)).toBeDefined();
    expect(await b.jobs.get(active)).toBeDefined();
    expect(await b.webhookDeliveries.listForJob(old[0])).toEqual([]);
  });
});
