// Request handling of the engine on the real tiny model: refusals, priority admission, cancel,
// stop strings, KV limits, chunked prefill that never freezes running sequences, forward errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { greedyRequest, promptOf, startEngine, type EngineRun } from "../harness/engine-runner.ts";
import { tinyModelDir } from "../harness/tiny-model.ts";
import type { GenerationEvent } from "../../worker/engine/generation.ts";

const VOCAB = 512;
let shared: EngineRun;
/** A fresh engine over the shared session (engines are cheap; the session is not). */
const engineWith = (options: Parameters<typeof startEngine>[1] = {}) =>
  startEngine(shared.card.path, { card: shared.card, lm: shared.lm, ...options });
const deltasOf = (run: EngineRun, id: string) =>
  run.messages.filter((m): m is Extract<GenerationEvent, { type: "delta" }> => m.type === "delta" && m.id === id);

beforeAll(async () => {
  shared = await startEngine(await tinyModelDir());
});
afterAll(() => shared.release());

describe("refusals", () => {
  it("refuses token ids outside the vocabulary with INVALID_TOKEN", async () => {
    const run = await engineWith();
    run.engine.submit(greedyRequest("oov", [5, VOCAB, 7]));
    run.engine.submit(greedyRequest("negative", [-1]));
    run.engine.submit(greedyRequest("empty", []));
    expect(run.failed("oov")).toMatchObject({ code: "INVALID_TOKEN", message: expect.stringContaining(`id ${VOCAB}`) });
    expect(run.failed("negative")?.code).toBe("INVALID_TOKEN");
    expect(run.failed("empty")?.code).toBe("INVALID_TOKEN");
    expect(run.engine.hasWork).toBe(false);
  });

  it("refuses prompt + max_tokens beyond the context or the KV cache", async () => {
    const run = await engineWith({ maxKvTokens: 100 });
    run.engine.submit(greedyRequest("context", [5, 6], { maxTokens: run.card.contextLength }));
    run.engine.submit(greedyRequest("kv", promptOf(90, 1, VOCAB), { maxTokens: 20 }));
    expect(run.failed("context")).toMatchObject({ code: "CONTEXT_LENGTH_EXCEEDED", message: expect.stringContaining("context length") });
    expect(run.failed("kv")).toMatchObject({ code: "CONTEXT_LENGTH_EXCEEDED", message: expect.stringContaining("KV cache") });
  });
});

describe("admission", () => {
  it("admits by priority, then arrival, one at a time with maxBatch 1", async () => {
    const run = await engineWith({ maxBatch: 1 });
    const order = [
      ["a", 5],
      ["b", 5],
      ["c", 1],
      ["d", 9],
      ["e", 1],
      ["f", 0],
    ] as const;
    for (const [id, priority] of order) run.engine.submit(greedyRequest(id, promptOf(4, id.charCodeAt(0), VOCAB), { priority, maxTokens: 3 }));
    await run.runToIdle();
    const lifecycle = run.messages.filter((m) => m.type === "started" || m.type === "finished").map((m) => `${m.type}:${"id" in m ? m.id : ""}`);
    expect(lifecycle).toEqual(["f", "c", "e", "a", "b", "d"].flatMap((id) => [`started:${id}`, `finished:${id}`]));
  });

  it("holds admitted sequences to maxKvTokens (rows × longest reservation) and reports KV bytes", async () => {
    const reservation = 12 + 6;
    const run = await engineWith({ maxKvTokens: 3 * reservation });
    for (let i = 0; i < 8; i++) run.engine.submit(greedyRequest(`kv-${i}`, promptOf(12, i + 1, VOCAB), { maxTokens: 6 }));
    let peak = 0;
    while (run.engine.hasWork) {
      await run.step();
      const stats = run.engine.stats();
      expect(stats.running + stats.prefilling).toBeLessThanOrEqual(3);
      expect(stats.kvTokens).toBeLessThanOrEqual(3 * reservation);
      // fp32: slots × (key + value) × 2 layers × 2 kv heads × 16 dims × 4 bytes
      expect(stats.kvBytes).toBe(stats.kvTokens * 2 * 2 * 2 * 16 * 4);
      peak = Math.max(peak, stats.running);
    }
    expect(peak).toBe(3);
    expect(run.messages.filter((m) => m.type === "finished")).toHaveLength(8);
  });
});

describe("cancel", () => {
  it("stops a running sequence within one step and keeps its partial text", async () => {
    const run = await engineWith();
    run.engine.submit(greedyRequest("long", promptOf(10, 3, VOCAB), { maxTokens: 200 }));
    while ((run.tokens.get("long")?.length ?? 0) < 5) await run.step();
    // Cancel lands while a pass is in flight: that pass's token for it must not come out.
    const inFlight = run.step();
    expect(run.engine.cancel("long")).toBe(true);
    await inFlight;
    const finished = run.finished("long")!;
    expect(finished.finishReason).toBe("canceled");
    expect(finished.completionTokens).toBe(5);
    expect(finished.text.startsWith(deltasOf(run, "long").map((d) => d.text).join(""))).toBe(true);
    expect(run.tokens.get("long")).toHaveLength(5);
    await run.step();
    expect(run.engine.hasWork).toBe(false);
    expect(run.engine.stats().kvTokens).toBe(0);
  });

  it("finishes a waiting sequence at once with empty text; the others carry on", async () => {
    const run = await engineWith({ maxBatch: 1 });
    run.engine.submit(greedyRequest("first", promptOf(5, 1, VOCAB), { maxTokens: 4 }));
    run.engine.submit(greedyRequest("queued", promptOf(5, 2, VOCAB), { maxTokens: 4 }));
    await run.step();
    run.engine.cancel("queued");
    expect(run.finished("queued")).toMatchObject({ finishReason: "canceled", text: "", completionTokens: 0 });
    await run.runToIdle();
    expect(run.finished("first")?.finishReason).toBe("length");
    expect(run.messages.some((m) => m.type === "started" && m.id === "queued")).toBe(false);
    expect(run.engine.cancel("queued")).toBe(false);
  });
});

describe("generation", () => {
  it("stops at a stop string without emitting it; deltas add up to the text", async () => {
    const run = await engineWith();
    const prompt = promptOf(7, 9, VOCAB);
    run.engine.submit(greedyRequest("free", prompt, { maxTokens: 24 }));
    await run.runToIdle();
    const free = run.finished("free")!;
    expect(deltasOf(run, "free").map((d) => d.text).join("")).toBe(free.text);
    const stop = free.text.slice(6, 9);
    const expected = free.text.slice(0, free.text.indexOf(stop));
    run.engine.submit(greedyRequest("stopped", prompt, { maxTokens: 24, stop: [stop] }));
    await run.runToIdle();
    expect(run.finished("stopped")).toMatchObject({ text: expected, finishReason: "stop" });
    expect(deltasOf(run, "stopped").map((d) => d.text).join("")).toBe(expected);
  });

  it("a 2,000-token prompt is prefilled in chunks while a running sequence gets a token every step", async () => {
    const run = await engineWith({ prefillChunkTokens: 256 });
    run.engine.submit(greedyRequest("runner", promptOf(8, 4, VOCAB), { maxTokens: 40 }));
    await run.step();
    run.engine.resetTokenGap();
    run.engine.submit(greedyRequest("big", promptOf(2000, 5, VOCAB), { maxTokens: 4 }));
    const from = run.stepTokens.length;
    while (!run.tokens.has("big")) await run.step();
    const steps = run.stepTokens.slice(from);
    expect(steps.length).toBe(Math.ceil(2000 / 256));
    expect(steps.every((tokens) => tokens.some((t) => t.id === "runner"))).toBe(true);
    expect(run.engine.stats().worstTokenGapMs).toBeGreaterThan(0);
    await run.runToIdle();
  });

  it("a failing forward pass fails its sequences with ENGINE_CRASHED and the engine carries on", async () => {
    // A card that overstates the context lets a prompt past the RoPE table through: ORT's Gather fails.
    const card = { ...shared.card, contextLength: 4096 };
    const run = await engineWith({ card });
    run.engine.submit(greedyRequest("ok", promptOf(6, 6, VOCAB), { maxTokens: 6 }));
    await run.step();
    run.engine.submit(greedyRequest("too-long", promptOf(2100, 7, VOCAB), { maxTokens: 2 }));
    await run.runToIdle();
    expect(run.failed("too-long")).toMatchObject({ code: "ENGINE_CRASHED", message: expect.stringContaining("prefill pass failed") });
    expect(run.finished("ok")).toMatchObject({ finishReason: "length", completionTokens: 6 });
    run.engine.submit(greedyRequest("after", promptOf(6, 6, VOCAB), { maxTokens: 6 }));
    await run.runToIdle();
    expect(run.tokens.get("after")).toEqual(run.tokens.get("ok"));
  });
});
