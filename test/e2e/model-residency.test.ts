// Model residency end to end (real Redis, SQLite, worker and inference thread, tiny model): models
// load on first demand, unload after the keep-alive (GENQ_MODEL_KEEP_ALIVE or the job's keep_alive)
// and load again for the next job; GET /v1/models reports state, workers, bytes, last use and load
// time; the admin API loads and unloads; bad keep_alive values are refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelLoadedEvent, ModelUnloadedEvent } from "../../worker/residency/residency-events.ts";
import { expectProblem } from "../harness/expect-problem.ts";
import { modelObject, waitForModel } from "../harness/model-states.ts";
import { isTerminalJob, rowCount } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";

const ADMIN_KEY = "admin-key-for-residency-tests";
let stack: TestStack;
const loads: ModelLoadedEvent[] = [];
const unloads: ModelUnloadedEvent[] = [];

beforeAll(async () => {
  stack = await startTestStack({ GENQ_MODEL_KEEP_ALIVE: "300ms", GENQ_ADMIN_KEY: ADMIN_KEY });
  stack.worker.residency.events.onLoaded((e) => loads.push(e));
  stack.worker.residency.events.onUnloaded((e) => unloads.push(e));
});

afterAll(async () => {
  await stack?.close();
});

async function runJob(body: Record<string, unknown> = {}): Promise<void> {
  const res = await stack.api.post("/v1/jobs", { prompt: "Hello", max_tokens: 4, temperature: 0, ignore_eos: true, ...body });
  expect(res.status).toBe(202);
  const done = await stack.api.waitFor((await res.json()).id, isTerminalJob);
  expect(done.status).toBe("succeeded");
  expect(done.usage.completion_tokens).toBe(4);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("model residency", () => {
  it("loads on first demand, reports it, unloads after the keep-alive and loads again for the next job", async () => {
    const list = await (await stack.api.get("/v1/models")).json();
    expect(list).toEqual({
      object: "list",
      data: [{ id: "tiny", object: "model", created: expect.any(Number), owned_by: "genq", state: "unloaded", workers: [], resident_bytes: 0, last_used_at: null, load_seconds: null }],
    });
    expect(loads).toEqual([]);

    // keep_alive "1h" holds it well past the 300 ms default.
    const before = Math.floor(Date.now() / 1000);
    await runJob({ keep_alive: "1h" });
    expect(loads).toEqual([{ model: "tiny", loadSeconds: expect.any(Number), residentBytes: expect.any(Number) }]);
    await sleep(800);
    const loaded = await waitForModel(stack.api, "tiny", (m) => m.state === "loaded");
    expect(loaded.resident_bytes).toBe(loads[0].residentBytes);
    expect(loaded.resident_bytes).toBeGreaterThan(0);
    expect(loaded.load_seconds).toBeCloseTo(loads[0].loadSeconds, 6);
    expect(loaded.load_seconds).toBeGreaterThan(0);
    expect(loaded.last_used_at).toBeGreaterThanOrEqual(before);
    expect(loaded.workers).toEqual([{ id: expect.stringContaining(":"), state: "loaded", resident_bytes: loaded.resident_bytes }]);
    expect(unloads).toEqual([]);

    // No keep_alive: the worker's GENQ_MODEL_KEEP_ALIVE (300 ms) applies once it is idle.
    await runJob();
    const unloaded = await waitForModel(stack.api, "tiny", (m) => m.state === "unloaded");
    expect(unloaded).toMatchObject({ workers: [], resident_bytes: 0, load_seconds: loaded.load_seconds });
    expect(unloaded.last_used_at).toBeGreaterThanOrEqual(loaded.last_used_at);
    expect(unloads).toEqual([{ model: "tiny", reason: "keep-alive" }]);

    // The next job loads it again and succeeds.
    await runJob({ keep_alive: 0 });
    expect(loads).toHaveLength(2);
    // keep_alive 0: unloaded as soon as it is idle.
    await waitForModel(stack.api, "tiny", (m) => m.state === "unloaded", 5_000);
    expect(unloads).toHaveLength(2);
  });

  it("shows `loading` while a load is in progress", async () => {
    await waitForModel(stack.api, "tiny", (m) => m.state === "unloaded");
    const seen = new Set<string>();
    const res = await stack.api.post("/v1/jobs", { prompt: "Hi", max_tokens: 2, keep_alive: "10s" });
    const id = (await res.json()).id;
    for (;;) {
      const model = await modelObject(stack.api, "tiny");
      seen.add(model.state);
      if (model.state === "loaded") break;
      await sleep(2);
    }
    expect((await stack.api.waitFor(id, isTerminalJob)).status).toBe("succeeded");
    // The load (session + batch self-check) takes far longer than one poll.
    expect(seen.has("loading")).toBe(true);
    expect([...seen].every((s) => ["unloaded", "loading", "loaded"].includes(s))).toBe(true);
  });

  it("admin load and unload, guarded by the admin key", async () => {
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    await expectProblem(await stack.api.post("/v1/admin/models/tiny/unload", {}), 401, "UNAUTHORIZED");
    const unload = await stack.api.post("/v1/admin/models/tiny/unload", {}, auth);
    expect(unload.status).toBe(202);
    expect(await unload.json()).toEqual({ object: "model.command", model: "tiny", action: "unload", workers: 1 });
    await waitForModel(stack.api, "tiny", (m) => m.state === "unloaded");
    expect(unloads.at(-1)).toEqual({ model: "tiny", reason: "admin" });

    const loadsBefore = loads.length;
    const lastUsed = (await modelObject(stack.api, "tiny")).last_used_at;
    expect((await stack.api.post("/v1/admin/models/tiny/load", {}, auth)).status).toBe(202);
    const loaded = await waitForModel(stack.api, "tiny", (m) => m.state === "loaded");
    // An admin load is not a use.
    expect(loaded.last_used_at).toBe(lastUsed);
    expect(loads).toHaveLength(loadsBefore + 1);
    // An admin load is idle at once: the keep-alive (300 ms) then unloads it.
    await waitForModel(stack.api, "tiny", (m) => m.state === "unloaded");
    expect(unloads.at(-1)).toEqual({ model: "tiny", reason: "keep-alive" });

    await expectProblem(await stack.api.post("/v1/admin/models/nope/load", {}, auth), 400, "UNKNOWN_MODEL");
    const unknown = await stack.api.get("/v1/models/nope");
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({ code: "model_not_found" });
  });

  it("refuses malformed keep_alive values with 400 VALIDATION_FAILED and stores nothing", async () => {
    const rows = await rowCount(stack.api);
    for (const keepAlive of ["abc", "5x", "-2", -2, -0.5, "", " ", "1e3", 604_801, "8d", true, null, {}, ["5m"]]) {
      const res = await stack.api.post("/v1/jobs", { prompt: "Hi", keep_alive: keepAlive });
      const problem = await expectProblem(res, 400, "VALIDATION_FAILED");
      expect(problem.errors, JSON.stringify(keepAlive)).toEqual([{ field: "keep_alive", message: expect.any(String) }]);
    }
    expect(await rowCount(stack.api)).toBe(rows);
  });
});
