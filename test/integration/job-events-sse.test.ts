// SSE on real parts: the API in-process reading Redis Streams written by a worker's job
// lifecycle (shared/job-lifecycle.ts, the calls the generate processor makes; the whole path
// through a real worker is in test/e2e/result-delivery.test.ts). Live deltas, resume with
// Last-Event-ID after a disconnect, replay of finished jobs, keep-alives, cancel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../shared/logger.ts";
import { openNodeServices, type NodeServices } from "../../shared/node-services.ts";
import { openStore } from "../../shared/store/open-store.ts";
import { createTestEnv, type TestEnv } from "../harness/test-env.ts";
import { startTestApi, type TestApi } from "../harness/test-api.ts";
import { readSse, type SseReader } from "../harness/sse-client.ts";

let env: TestEnv;
let api: TestApi;
let services: NodeServices;

beforeAll(async () => {
  env = await createTestEnv({ GENQ_SSE_KEEPALIVE_MS: "100" });
  api = await startTestApi(env.config);
  services = await openNodeServices(env.config, await openStore(env.config), createLogger("error"), "patient");
});
afterAll(async () => {
  await services?.close();
  await api?.close();
  await env?.cleanup();
});

const submit = async () => (await (await api.post("/v1/jobs", { prompt: "hi", max_tokens: 8 })).json()).id as string;
const open = async (id: string, headers: Record<string, string> = {}): Promise<SseReader> => {
  const res = await api.get(`/v1/jobs/${id}/events`, headers);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  return readSse(res as unknown as Response);
};

/** The worker's side of a job, through the lifecycle: running, deltas as generated, then the result. */
const worker = {
  async start(id: string) {
    expect(await services.lifecycle.start(id)).toBeDefined();
  },
  /** One stream entry per call: the publisher coalesces deltas per turn, so flush each now. */
  async delta(id: string, text: string, tokens: number) {
    services.lifecycle.delta(id, text, tokens);
    await services.streams.flush();
  },
  async finish(id: string, text: string) {
    expect(await services.lifecycle.complete(id, { outputText: text, finishReason: "stop", promptTokens: 1, completionTokens: 3 })).toBeDefined();
  },
};

const parsed = (event: { data: string } | undefined) => JSON.parse(event!.data);

describe("GET /v1/jobs/:id/events", () => {
  it("streams status changes and deltas live, and ends after the terminal event", async () => {
    const id = await submit();
    const sse = await open(id);
    const snapshot = await sse.next();
    expect(snapshot).toMatchObject({ event: "status" });
    expect(snapshot!.id).toBeUndefined();
    expect(parsed(snapshot).status).toBe("queued");

    await worker.start(id);
    const running = await sse.next();
    expect(running).toMatchObject({ event: "status", id: expect.stringMatching(/^\d+-\d+$/) });
    expect(parsed(running)).toMatchObject({ status: "running", attempt: 1 });
    for (const [i, piece] of ["Hel", "lo", " world"].entries()) await worker.delta(id, piece, i + 1);
    await worker.finish(id, "Hello world");
    const rest: Array<{ event?: string; data: string }> = [];
    for (let e = await sse.next(); e; e = await sse.next()) rest.push(e);
    await sse.ended;
    const deltas = rest.filter((e) => e.event === "delta").map((e) => parsed(e).text);
    expect(deltas.join("")).toBe("Hello world");
    const last = rest[rest.length - 1];
    expect(last.event).toBe("status");
    expect(parsed(last)).toMatchObject({ status: "succeeded", output: { text: "Hello world", finish_reason: "stop" } });
  });

  it("resumes from Last-Event-ID after a disconnect without losing or repeating events", async () => {
    const id = await submit();
    await worker.start(id);
    const first = await open(id);
    await first.next(); // snapshot
    await first.next(); // running
    await worker.delta(id, "one ", 1);
    const seen = await first.next();
    expect(parsed(seen).text).toBe("one ");
    await first.close();

    await worker.delta(id, "two ", 2);
    await worker.delta(id, "three", 3);
    const resumed = await open(id, { "last-event-id": seen!.id! });
    await worker.finish(id, "one two three");
    const after: Array<{ event?: string; data: string; id?: string }> = [];
    for (let e = await resumed.next(); e; e = await resumed.next()) after.push(e);
    expect(after[0].event).toBe("delta");
    expect(after.filter((e) => e.event === "delta").map((e) => parsed(e).text).join("")).toBe("two three");
    expect(parsed(after[after.length - 1]).status).toBe("succeeded");
    const ids = after.map((e) => e.id!);
    expect(new Set(ids).size).toBe(ids.length);

    // The client saw the end: a reconnect gets 204, which stops EventSource retrying.
    const again = await api.get(`/v1/jobs/${id}/events`, { "last-event-id": ids[ids.length - 1] });
    expect(again.status).toBe(204);
  });

  it("replays a job that finished before the client connected", async () => {
    const id = await submit();
    await worker.start(id);
    await worker.delta(id, "done", 1);
    await worker.finish(id, "done");
    const sse = await open(id);
    const events: Array<{ event?: string; data: string }> = [];
    for (let e = await sse.next(); e; e = await sse.next()) events.push(e);
    expect(events.map((e) => e.event)).toEqual(["status", "status", "delta", "status"]);
    expect(parsed(events[3])).toMatchObject({ status: "succeeded", output: { text: "done" } });
  });

  it("replays the final state from the row when the job has no stream (expired, or never streamed)", async () => {
    const id = await submit();
    // Store writes alone (no announcement): what a stream that expired leaves behind.
    const { jobs } = services.store;
    await jobs.markRunning(id, Date.now());
    await jobs.fail(id, "ENGINE_ERROR", "boom", Date.now());
    const sse = await open(id);
    const events: Array<{ event?: string; data: string; id?: string }> = [];
    for (let e = await sse.next(); e; e = await sse.next()) events.push(e);
    expect(events).toHaveLength(2);
    expect(events[1].id).toMatch(/^\d+-\d+$/);
    expect(parsed(events[1])).toMatchObject({ status: "failed", error: { code: "ENGINE_ERROR", message: "boom" } });
  });

  it("ends when a queued job is canceled, and sends keep-alive comments while idle", async () => {
    const id = await submit();
    const sse = await open(id);
    await sse.next();
    await new Promise((r) => setTimeout(r, 250));
    expect(sse.comments).toContain("keep-alive");
    expect((await api.post(`/v1/jobs/${id}/cancel`, "")).status).toBe(200);
    const end = await sse.next();
    expect(parsed(end)).toMatchObject({ status: "canceled" });
    expect(await sse.next()).toBeUndefined();
  });

  it("ends when a queued job is failed by the worker side (the reconciler's and the stalled-job path)", async () => {
    const id = await submit();
    const sse = await open(id);
    await sse.next();
    await services.lifecycle.fail(id, "ENGINE_ERROR", "gave up");
    const end = await sse.next();
    expect(parsed(end)).toMatchObject({ status: "failed" });
    expect(await sse.next()).toBeUndefined();
  });

  it("serves many concurrent streams of one job from the single reader", async () => {
    const id = await submit();
    await worker.start(id);
    const clients = await Promise.all(Array.from({ length: 50 }, () => open(id)));
    await worker.delta(id, "fan", 1);
    await worker.delta(id, "out", 2);
    await worker.finish(id, "fanout");
    const texts = await Promise.all(
      clients.map(async (sse) => {
        let text = "";
        for (let e = await sse.next(); e; e = await sse.next()) if (e.event === "delta") text += parsed(e).text;
        return text;
      }),
    );
    expect(new Set(texts)).toEqual(new Set(["fanout"]));
    // Every finished or departed client released its subscription.
    await expect.poll(() => api.nodeDeps.deps.streams.subscriberCount).toBe(0);
  });

  it("refuses a malformed Last-Event-ID and unknown jobs", async () => {
    const id = await submit();
    expect((await api.get(`/v1/jobs/${id}/events`, { "last-event-id": "abc" })).status).toBe(400);
    expect((await api.get(`/v1/jobs/job_01J0000000000000000000000A/events`)).status).toBe(404);
  });
});
