// Prefix caching through the whole service: a second job with the same long prompt reuses the first's
// KV, gives the same greedy text, and /metrics counts prompt and cache-hit tokens.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelCard } from "../../shared/models/model-card.ts";
import { parseSamples, total } from "../harness/prometheus-text.ts";
import { isTerminalJob } from "../harness/test-api.ts";
import { startTestStack, type TestStack } from "../harness/test-stack.ts";

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ GENQ_PREFIX_CACHE_TOKENS: "1024" });
});

afterAll(async () => {
  await stack?.close();
});

/** The counter summed over workers (each worker labels its series `worker`). */
async function counter(name: string): Promise<number> {
  return total(parseSamples(await (await stack.api.get("/metrics")).text()), name);
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe("prefix cache in the worker", () => {
  it("a repeated prompt reuses cached KV, same greedy output, counted on /metrics", async () => {
    const prompt = "Summarize the following document in one line. ".repeat(6) + "Document: the quarterly report.";
    const promptTokens = loadModelCard("tiny", stack.env.config.models[0].path).promptIds({ prompt }).length;
    expect(promptTokens).toBeGreaterThan(64);
    const texts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const job = await (await stack.api.post("/v1/jobs", { prompt, max_tokens: 12, temperature: 0, ignore_eos: true })).json();
      const done = await stack.api.waitFor(job.id, isTerminalJob);
      expect(done.status).toBe("succeeded");
      texts.push(done.output.text);
    }
    expect(texts[1]).toBe(texts[0]);
    // Stats reach the main thread when the inference thread goes idle.
    await until(async () => (await counter("genq_prompt_tokens_total")) === 2 * promptTokens);
    const hits = await counter("genq_prefix_cache_hit_tokens_total");
    expect(hits).toBe(Math.min(Math.floor(promptTokens / 16) * 16, promptTokens - 1));
  });
});
