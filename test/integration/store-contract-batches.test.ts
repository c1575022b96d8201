// The store contract, files and batches part: the same cases against SQLite and PostgreSQL, two
// Store instances on one fresh database: one lease holder at a time, conditional transitions,
// idempotent line inserts, line counts and tokens, queued lines canceled in one step, a file
// read by an unfinished batch kept from deletion and retention.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lineJobId } from "../../shared/batches/batch-ids.ts";
import type { NewBatchRow } from "../../shared/store/schema/batches.ts";
import type { Store } from "../../shared/store/store.ts";
import { createStoreTarget, jobRow, STORE_DIALECTS, type StoreTarget } from "../harness/store-dialects.ts";

const BATCH = "batch_01JBATCH0000000000000000AA";

function batchRow(overrides: Partial<NewBatchRow> = {}): NewBatchRow {
  return {
    id: BATCH,
    tenantId: "t1",
    status: "validating",
    endpoint: "/v1/chat/completions",
    inputFileId: "file-in",
    completionWindow: "24h",
    priority: 8,
    createdAt: 1_000,
    expiresAt: 86_401_000,
    updatedAt: 1_000,
    ...overrides,
  };
}

describe.each(STORE_DIALECTS)("%s store: files and batches", (dialect) => {
  let target: StoreTarget;
  let a: Store;
  let b: Store;

  beforeEach(async () => {
    target = await createStoreTarget(dialect);
    [a, b] = [await target.open(), await target.open()];
  });
  afterEach(async () => target?.drop());

  it("leases, transitions, lines and counts", async () => {
    await a.batches.create(batchRow());
    expect(await b.batches.getForTenant(BATCH, "t2")).toBeUndefined();
    // One of two racing claims wins; the holder renews, the other cannot until it runs out.
    const claims = await Promise.all([a.batches.claim(BATCH, 2_000, 32_000), b.batches.claim(BATCH, 2_000, 32_000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await b.batches.claim(BATCH, 3_000, 33_000)).toBeUndefined();
    expect((await a.batches.claim(BATCH, 3_000, 33_000, 32_000))?.leaseUntil).toBe(33_000);
    expect(await a.batches.listUnleased(4_000, 10)).toEqual([]);
    expect((await b.batches.listUnleased(40_000, 10)).map((r) => r.id)).toEqual([BATCH]);

    expect(await b.batches.transition(BATCH, ["in_progress"], { status: "completed" })).toBeUndefined();
    expect((await a.batches.transition(BATCH, ["validating"], { status: "in_progress", total: 3 }))?.status).toBe("in_progress");
    const lines = [0, 1, 2].map((i) => jobRow({ id: lineJobId(BATCH, i), tenantId: "t1", batchId: BATCH, customId: `c${i}`, priority: 8 }));
    await a.batches.insertLines(lines);
    await b.batches.insertLines(lines); // a resumed intake: nothing twice
    expect((await a.batches.listLines(BATCH, "", 10)).map((r) => r.customId)).toEqual(["c0", "c1", "c2"]);
    await a.jobs.markRunning(lines[0].id, 5_000);
    await a.jobs.complete(lines[0].id, { outputText: "x", finishReason: "stop", promptTokens: 3, completionTokens: 2 }, 6_000);
    await a.jobs.markRunning(lines[1].id, 5_000);
    const canceled = await b.batches.cancelQueuedLines(BATCH, 7_000);
    expect(canceled.map((r) => r.customId)).toEqual(["c2"]);
    const tally = await a.batches.countLines(BATCH);
    expect(tally.byStatus).toEqual({ succeeded: 1, running: 1, canceled: 1 });
    expect(tally.completionTokens).toBe(2);
    expect((await a.batches.listLines(BATCH, "", 10, "running")).map((r) => r.customId)).toEqual(["c1"]);
  });

  it("an unfinished batch's input file is kept; retention deletes finished batches and old files", async () => {
    const file = { tenantId: "t1", purpose: "batch" as const, filename: "in.jsonl", bytes: 10, lineCount: 1, createdAt: 1_000 };
    await a.files.insert({ ...file, id: "file-in" });
    await a.files.insert({ ...file, id: "file-loose" });
    await a.batches.create(batchRow({ status: "in_progress" }));
    expect(await b.files.delete("file-in", "t1")).toBe("in-use");
    expect(await b.files.delete("file-in", "t2")).toBeUndefined();
    expect((await a.files.deleteExpired(2_000, 10)).map((f) => f.id)).toEqual(["file-loose"]);
    expect(await a.batches.deleteExpired(2_000, 10)).toEqual([]);
    await a.batches.transition(BATCH, ["in_progress"], { status: "completed", updatedAt: 1_500 });
    expect(await b.batches.deleteExpired(2_000, 10)).toEqual([BATCH]);
    expect((await b.files.delete("file-in", "t1")) as { id: string }).toMatchObject({ id: "file-in" });
    expect(await a.files.list({ tenantId: "t1", limit: 10 })).toEqual([]);
  });
});
