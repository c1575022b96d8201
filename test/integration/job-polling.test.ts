// Cheap polling on real parts (API in-process, SQLite, Redis pub/sub, BullMQ queue): long-polls
// woken by the job's completion (not by their timeout), 1,000 waiters on one process, ETag/304
// per `fields` variant, queue position with Retry-After, and compression of large answers. Rows
// are finished through the job lifecycle, as the worker does. Wake-up latency and idle CPU are
// measured by `npx tsx scripts/bench/delivery.ts`, not asserted here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { Queue } from "bullmq";
import { queueNameFor } from "../../shared/jobs.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";

let env: TestEnv;
let api: TestApi;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_RATE_LIMIT_PER_SECOND: "0" });
  api = await startTestApi(env.config);
});
afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

async function submit(body: Record<string, unknown> = {}): Promise<string> {
  const res = await api.post("/v1/jobs", { prompt: "hi", max_tokens: 2, ...body });
  expect(res.status).toBe(202);
  return (await res.json()).id;
}

/** What the worker does when a job finishes: both transitions through the job lifecycle. */
async function complete(id: string, text = "done"): Promise<void> {
  const { lifecycle } = api.nodeDeps.deps;
  await lifecycle.start(id);
  await lifecycle.complete(id, { outputText: text, finishReason: "stop", promptTokens: 1, completionTokens: 1 });
}

describe("long-poll", () => {
  it("answers when the job completes, not when its wait runs out", async () => {
    const { events } = api.nodeDeps.deps;
    for (let i = 0; i < 10; i++) {
      const id = await submit();
      let answered = false;
      // The wait (60 s) outlasts the test's timeout: only the completion can answer it.
      const answer = api.get(`/v1/jobs/${id}?wait=60`).then(async (res) => {
        answered = true;
        return await res.json();
      });
      await expect.poll(() => events.waiterCount).toBe(1);
      expect(answered).toBe(false);
      await complete(id);
      expect((await answer).status).toBe("succeeded");
      expect(events.waiterCount).toBe(0);
    }
  });

  it("holds 1,000 waiters on one process, then wakes each when its own job completes", async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => submit()));
    const done = new Set<number>();
    const answers = Array.from({ length: 1_000 }, (_, i) =>
      api.get(`/v1/jobs/${ids[i % ids.length]}?wait=60`).then(async (r) => {
        done.add(i);
        return await r.json();
      }),
    );
    const { events } = api.nodeDeps.deps;
    await expect.poll(() => events.waiterCount, { timeout: 10_000 }).toBe(1_000);
    expect(done.size).toBe(0);
    // Completing the first job answers exactly its 50 waiters; the other 950 keep waiting.
    await complete(ids[0]);
    await expect.poll(() => done.size).toBe(50);
    expect([...done].every((i) => i % ids.length === 0)).toBe(true);
    expect(events.waiterCount).toBe(950);
    await Promise.all(ids.slice(1).map((id) => complete(id)));
    const jobs = await Promise.all(answers);
    expect(jobs.every((j) => j.status === "succeeded")).toBe(true);
    expect(events.waiterCount).toBe(0);
  });

  it("returns the unfinished job when the wait runs out", async () => {
    const id = await submit();
    const started = Date.now();
    const res = await api.get(`/v1/jobs/${id}?wait=0.2`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect((await res.json()).status).toBe("queued");
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});

describe("poll answers", () => {
  it("round-trips ETag / 304, and each fields variant has its own ETag", async () => {
    const id = await submit();
    const first = await api.get(`/v1/jobs/${id}`);
    const etag = first.headers.get("etag")!;
    const again = await api.get(`/v1/jobs/${id}`, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect(again.headers.get("etag")).toBe(etag);

    const slim = await api.get(`/v1/jobs/${id}?fields=status`);
    const slimEtag = slim.headers.get("etag")!;
    expect(slimEtag).not.toBe(etag);
    expect((await api.get(`/v1/jobs/${id}?fields=status`, { "if-none-match": etag })).status).toBe(200);
    expect((await api.get(`/v1/jobs/${id}?fields=status`, { "if-none-match": slimEtag })).status).toBe(304);

    await complete(id);
    const changed = await api.get(`/v1/jobs/${id}?fields=status`, { "if-none-match": slimEtag });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({ status: "succeeded" });
    expect(changed.headers.get("retry-after")).toBeNull();
  });

  it("returns only the requested fields and refuses unknown ones", async () => {
    const id = await submit();
    await complete(id, "short text");
    const job = await (await api.get(`/v1/jobs/${id}?fields=status,output`)).json();
    expect(job).toEqual({ status: "succeeded", output: { text: "short text", finish_reason: "stop" } });
    const bad = await api.get(`/v1/jobs/${id}?fields=status,password`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "VALIDATION_FAILED", errors: [{ field: "fields" }] });
  });

  it("shows queue_position while queued (priority first) with a Retry-After from it", async () => {
    // No worker runs here: empty the queue of earlier tests' jobs so positions start at 0.
    const queue = new Queue(queueNameFor(env.config.models[0].name), { connection: api.nodeDeps.services.connection, prefix: env.config.queuePrefix });
    await queue.drain();
    await queue.close();
    const normal = [await submit(), await submit(), await submit()];
    const urgent = await submit({ priority: "high" });
    const position = async (id: string) => (await (await api.get(`/v1/jobs/${id}?fields=queue_position`)).json()).queue_position;
    expect(await position(urgent)).toBe(0);
    expect(await Promise.all(normal.map(position))).toEqual([1, 2, 3]);
    const res = await api.get(`/v1/jobs/${normal[2]}`);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The position is part of the representation, so the ETag moves with it.
    const etagBefore = res.headers.get("etag");
    await api.post(`/v1/jobs/${urgent}/cancel`, "");
    const after = await api.get(`/v1/jobs/${normal[2]}`, { "if-none-match": etagBefore! });
    expect(after.status).toBe(200);
    expect((await after.json()).queue_position).toBe(2);
    await complete(normal[0]);
    expect(await position(normal[0])).toBeNull();
  });

  it("compresses large answers (br or gzip, as accepted) and leaves small ones alone", async () => {
    const id = await submit();
    await complete(id, "token ".repeat(5_000));
    const plain = await (await api.get(`/v1/jobs/${id}`)).text();
    const br = await api.get(`/v1/jobs/${id}`, { "accept-encoding": "gzip, br" });
    expect(br.headers.get("content-encoding")).toBe("br");
    expect(br.headers.get("vary")).toMatch(/accept-encoding/i);
    const brBytes = Buffer.from(await br.arrayBuffer());
    expect(brBytes.length).toBeLessThan(plain.length / 10);
    expect(brotliDecompressSync(brBytes).toString()).toBe(plain);
    const etag = br.headers.get("etag")!;
    expect(etag.startsWith("W/")).toBe(true);
    expect((await api.get(`/v1/jobs/${id}`, { "accept-encoding": "br", "if-none-match": etag })).status).toBe(304);

    const gz = await api.get(`/v1/jobs/${id}`, { "accept-encoding": "gzip" });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(plain);

    const small = await api.get(`/v1/jobs/${id}?fields=status`, { "accept-encoding": "gzip, br" });
    expect(small.headers.get("content-encoding")).toBeNull();
    expect(await small.json()).toEqual({ status: "succeeded" });
  });
});
