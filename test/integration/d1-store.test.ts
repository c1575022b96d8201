// The D1 store against real D1 (Miniflare's workerd, the engine `wrangler dev` runs), with the
// SQLite migrations applied as wrangler applies them: the atomic decisions that D1 makes without
// interactive transactions (admit, terminal-is-final, first-key takeover, secrets, retention).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../../shared/ids.ts";
import type { D1Binding } from "../../shared/store/d1/d1-database.ts";
import { openD1Store } from "../../shared/store/d1/d1-store.ts";
import type { NewJobRow } from "../../shared/store/schema/jobs.ts";
import type { Store } from "../../shared/store/store.ts";

const MIGRATIONS = fileURLToPath(new URL("../../migrations", import.meta.url));

let mf: Miniflare;
let store: Store;

beforeAll(async () => {
  mf = new Miniflare({ modules: true, script: "export default { fetch() { return new Response(null) } }", d1Databases: { DB: "genq-test" } });
  const db = (await mf.getD1Database("DB")) as unknown as D1Binding & { prepare(sql: string): unknown; batch(statements: unknown[]): Promise<unknown> };
  for (const file of readdirSync(MIGRATIONS).filter((f) => f.endsWith(".sql")).sort()) {
    const statements = readFileSync(join(MIGRATIONS, file), "utf8").split("--> statement-breakpoint").map((s) => s.trim()).filter(Boolean);
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  store = openD1Store(db, { graceMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
});

function job(overrides: Partial<NewJobRow> = {}): NewJobRow {
  const now = Date.now();
  return { id: newJobId(), model: "tiny", status: "queued", priority: 5, input: '{"prompt":"x"}', params: "{}", createdAt: now, updatedAt: now, ...overrides };
}

describe("D1 store", () => {
  it("admits with idempotency keys, a per-tenant cap and the fair-queue rank, writing nothing when refused", async () => {
    const first = await store.jobs.admit(job({ tenantId: "a", idempotencyKey: "k1" }), 2);
    expect(first).toMatchObject({ outcome: "admitted", queuedAhead: 0 });
    const again = await store.jobs.admit(job({ tenantId: "a", idempotencyKey: "k1" }), 2);
    expect(again.outcome === "duplicate" && again.row.id).toBe(first.outcome === "admitted" && first.row.id);
    expect(await store.jobs.admit(job({ tenantId: "a" }), 2)).toMatchObject({ outcome: "admitted", queuedAhead: 1 });
    const refused = job({ tenantId: "a" });
    expect(await store.jobs.admit(refused, 2)).toEqual({ outcome: "over-quota", active: 2 });
    expect(await store.jobs.get(refused.id)).toBeUndefined();
    // Another tenant has its own cap; 0 = no cap.
    expect(await store.jobs.admit(job({ tenantId: "b" }), 2)).toMatchObject({ outcome: "admitted", queuedAhead: 0 });
    expect(await store.jobs.admit(job({ tenantId: "a" }), 0)).toMatchObject({ outcome: "admitted", queuedAhead: 2 });
  });

  it("keeps terminal rows final: a late result, start or hand-back changes nothing", async () => {
    const row = job({ tenantId: "z" });
    await store.jobs.admit(row, 0);
    expect(await store.jobs.markRunning(row.id, Date.now())).toMatchObject({ status: "running", attempts: 1 });
    expect(await store.jobs.countEngineRun(row.id, Date.now())).toBe(1);
    const done = await store.jobs.complete(row.id, { outputText: "ok", finishReason: "stop", promptTokens: 1, completionTokens: 1 }, Date.now());
    expect(done).toMatchObject({ status: "succeeded", outputText: "ok" });
    expect(await store.jobs.fail(row.id, "ENGINE_ERROR", "late", Date.now())).toBeUndefined();
    expect(await store.jobs.complete(row.id, { outputText: "late", finishReason: "stop", promptTokens: 1, completionTokens: 1 }, Date.now())).toBeUndefined();
    expect(await store.jobs.expire(row.id, "RUN_TIMEOUT", "late", Date.now())).toBeUndefined();
    expect(await store.jobs.markRunning(row.id, Date.now())).toBeUndefined();
    expect(await store.jobs.handBack(row.id, true, Date.now())).toBeUndefined();
    expect(await store.jobs.cancelQueued(row.id, Date.now())).toBeUndefined();
    expect(await store.jobs.get(row.id)).toEqual(done);
  });

  it("the first API key takes over the keyless tenant's jobs in its insert; later keys do not", async () => {
    const open = job({ tenantId: "" });
    await store.jobs.admit(open, 0);
    const key = (id: string, prefix: string) => ({ id, name: id, tenantId: id, prefix, secretHash: "00", createdAt: Date.now(), revokedAt: null });
    expect(await store.apiKeys.insert(key("key_1", "aaaaaaaaaaaa"))).toEqual({ inherited: { jobs: 1, webhookDeliveries: 0, webhookSecrets: 0 } });
    expect((await store.jobs.get(open.id))!.tenantId).toBe("key_1");
    await store.jobs.admit(job({ tenantId: "" }), 0);
    expect(await store.apiKeys.insert(key("key_2", "bbbbbbbbbbbb"))).toEqual({ inherited: null });
    // A taken prefix inserts nothing.
    expect(await store.apiKeys.insert(key("key_3", "bbbbbbbbbbbb"))).toBeUndefined();
    expect(await store.apiKeys.count()).toBe(2);
  });

  it("webhook secrets: one current secret, shown once, rotated with a grace period", async () => {
    const [secret] = await store.webhookSecrets.signingSecrets("t1", Date.now());
    expect(await store.webhookSecrets.signingSecrets("t1", Date.now())).toEqual([secret]);
    expect(await store.webhookSecrets.reveal("t1", Date.now())).toMatchObject({ secret });
    expect(await store.webhookSecrets.reveal("t1", Date.now())).toEqual({ refused: "already-shown" });
    const rotated = await store.webhookSecrets.rotate("t1", Date.now());
    expect(await store.webhookSecrets.signingSecrets("t1", Date.now())).toEqual([rotated.secret, secret]);
    expect(await store.webhookSecrets.signingSecrets("t1", rotated.previousExpiresAt + 1)).toEqual([rotated.secret]);
    expect(await store.instanceSecrets.getOrCreate("stream-token", Date.now())).toBe(await store.instanceSecrets.getOrCreate("stream-token", Date.now()));
  });

  it("retention deletes only terminal rows past the cutoff, in batches", async () => {
    const old = Date.now() - 1_000_000;
    const ids = [job({ tenantId: "r" }), job({ tenantId: "r" }), job({ tenantId: "r" })];
    for (const row of ids) await store.jobs.admit(row, 0);
    for (const row of ids.slice(0, 2)) await store.jobs.fail(row.id, "ENGINE_ERROR", "x", old);
    const first = await store.jobs.deleteExpired(old + 1, 1);
    const second = await store.jobs.deleteExpired(old + 1, 10);
    expect([...first, ...second].sort()).toEqual(ids.slice(0, 2).map((r) => r.id).sort());
    expect(await store.jobs.get(ids[2].id)).toBeDefined();
  });
});
